using System;
using System.IO;
using System.Linq;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Parity;

// Models built on nn.LSTMCell and nn.GRUCell, stepped over a sequence in a Python loop (Golden/made/make_cells.py):
// keys cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh, and fc.
[Lstm(4, 7, 3, 6, LstmPrefix = "cell.")] public partial class CellLstm;
[Gru(3, 5, 2, 9, GruPrefix = "cell.", Weights = "Golden/made/cell_gru.weights.pt")] public partial class EmbeddedCellGru;

/// <summary>A cell stepped over a sequence is a one-layer model: every loader reads its keys as that module's.</summary>
public class CellModelTests
{
    private static string Made(string file) => GoldenParity.GoldenPath(Path.Combine("made", file));

    private static SafetensorsFile Io(string name) => SafetensorsFile.Load(Made(name + ".io.safetensors"));

    private static void Close(float[] expected, ReadOnlySpan<float> actual) =>
        Assert.True(GoldenParity.MaxAbsDifference(actual, expected) <= GoldenParity.Tolerance, $"max |diff| {GoldenParity.MaxAbsDifference(actual, expected)}");

    [Theory]
    [InlineData("cell_lstm.weights.pt")]
    [InlineData("cell_lstm.weights.safetensors")]
    public void An_LSTMCell_loop_runs_as_a_one_layer_LSTM(string file)
    {
        SafetensorsFile io = Io("cell_lstm");
        Tensor x = io.ReadTensor("x");
        int batch = x.Shape[0], steps = x.Shape[1];
        var model = new CellLstm();
        if (file.EndsWith(".pt", StringComparison.Ordinal)) model.LoadPyTorch(Made(file));
        else model.LoadSafetensors(Made(file));

        var (y, h, c) = (new float[batch * CellLstm.OutputSize], new float[batch * CellLstm.HiddenSize], new float[batch * CellLstm.HiddenSize]);
        model.Forward(x.AsSpan(), y, batch, h, c);
        Close(io.ReadFloats("y"), y);
        Close(io.ReadFloats("h_n"), h);
        Close(io.ReadFloats("c_n"), c);

        // Step by step, as the Python loop calls the cell: sequence 0.
        var step = new float[CellLstm.OutputSize];
        for (int t = 0; t < steps; t++)
            model.Step(x.AsSpan().Slice(t * CellLstm.InputSize, CellLstm.InputSize), step);
        Close(io.ReadFloats("y")[..CellLstm.OutputSize], step);

        Close(io.ReadFloats("y"), LstmModel.Load(Made(file), lstmPrefix: "cell.").Forward(x).AsSpan());
    }

    [Fact]
    public void A_GRUCell_checkpoint_compiles_in_and_loads_at_run_time()
    {
        // The checkpoint's model_state_dict beside Adam's state and a dict of metrics: the one dict holding a recurrent module.
        SafetensorsFile io = Io("cell_gru");
        Tensor x = io.ReadTensor("x");
        Close(io.ReadFloats("y"), new EmbeddedCellGru().Forward(x).AsSpan());
        Close(io.ReadFloats("y"), GruModel.Load(Made("cell_gru.weights.pt"), gruPrefix: "cell.").Forward(x).AsSpan());
    }

    [Fact]
    public void A_models_prefix_picks_its_dict_among_a_checkpoints_recurrent_modules_a_cells_too()
    {
        // An encoder's nn.LSTM (lstm.…) and cell_lstm's decoder (cell.…) in one checkpoint, no stateDictKey.
        SafetensorsFile io = Io("cell_lstm");
        string checkpoint = Made("seq2seq_cells.pt");
        Close(io.ReadFloats("y"), LstmModel.Load(checkpoint, lstmPrefix: "cell.").Forward(io.ReadTensor("x")).AsSpan());
        LstmModel encoder = LstmModel.Load(checkpoint);
        Assert.Equal((4, 7, false), (encoder.InputSize, encoder.HiddenSize, encoder.HasHead));

        // Both under one name (rnn.weight_ih_l0, rnn.weight_ih): the nn.LSTM's exact key picks the encoder's dict.
        Assert.False(LstmModel.Load(Made("seq2seq_same_prefix.pt"), lstmPrefix: "rnn.").HasHead);
    }

    [Fact]
    public void ModelInfo_picks_a_checkpoints_dict_by_the_prefix_as_a_load_does()
    {
        string checkpoint = Made("seq2seq_cells.pt");
        ModelInfo decoder = ModelInfo.Read(checkpoint, prefix: "cell."), encoder = ModelInfo.Read(checkpoint, prefix: "lstm.");
        Assert.Equal((4, 7, 3), (decoder.InputSize, decoder.HiddenSize, decoder.OutputSize));
        Assert.Equal((4, 7, 0), (encoder.InputSize, encoder.HiddenSize, encoder.OutputSize));
        Assert.Equal(0, ModelInfo.Read(Made("seq2seq_same_prefix.pt"), prefix: "rnn.").OutputSize);

        var error = Assert.Throws<InvalidDataException>(() => ModelInfo.Read(checkpoint));
        Assert.Contains("2 dicts in the file could be the model's state_dict: ['encoder'], ['decoder']", error.Message);
        error = Assert.Throws<InvalidDataException>(() => ModelInfo.Read(checkpoint, prefix: "rnn."));
        Assert.Contains("found no state_dict holding 'rnn.weight_ih_l0'", error.Message);
    }

    [Theory]
    [InlineData("cell_lstm.weights.pt", RecurrentCell.Lstm, 4, 7, 3)]
    [InlineData("cell_gru.weights.pt", RecurrentCell.Gru, 3, 5, 2)]
    public void ModelInfo_reads_a_cell_as_that_module_and_lists_the_files_keys(string file, RecurrentCell cell, int inputs, int hidden, int outputs)
    {
        ModelInfo info = ModelInfo.Read(Made(file));

        Assert.Equal((cell, "cell.", inputs, hidden, 1, outputs), (info.Cell, info.Prefix, info.InputSize, info.HiddenSize, info.NumLayers, info.OutputSize));
        Assert.Contains($"{(cell == RecurrentCell.Lstm ? "LstmPrefix" : "GruPrefix")} = \"cell.\"", info.ToString());
        Assert.Equal(["cell.weight_ih", "cell.weight_hh", "cell.bias_ih", "cell.bias_hh", "fc.weight", "fc.bias"], info.Tensors.Select(tensor => tensor.Name));
        Assert.Empty(info.OtherTensors);
    }

    [Fact]
    public void A_cell_of_other_sizes_is_refused_naming_what_the_file_holds()
    {
        var error = Assert.Throws<InvalidDataException>(() => LstmWeights.LoadPyTorch(Made("cell_lstm.weights.pt"), inputSize: 4, hiddenSize: 8, outputSize: 3, lstmPrefix: "cell."));
        Assert.Contains("hiddenSize: 7", error.Message);
    }
}
