#if TORCHSHARP
using System;
using LstmGen;
using TorchSharp;
using static TorchSharp.torch;
using TTensor = TorchSharp.torch.Tensor;

namespace LstmGen.Benchmarks.Peers;

/// <summary>
/// TorchSharp (libtorch): <c>nn.LSTM(I, H, batch_first: true)</c> + <c>nn.Linear(H, O)</c>, one thread,
/// no_grad, the input tensor created once; the result is copied into <see cref="Output"/>.
/// </summary>
public sealed class TorchSharpLstm : IDisposable
{
    private readonly TorchSharp.Modules.LSTM _lstm;
    private readonly TorchSharp.Modules.Linear _fc;
    private readonly TTensor _x;
    private readonly int _batch, _outputSize;

    public TorchSharpLstm(LstmWeights w, int seqLen, int batch, float[] input)
    {
        torch.set_num_threads(1);
        (_batch, _outputSize) = (batch, w.OutputSize);
        _lstm = nn.LSTM(w.InputSize, w.HiddenSize, numLayers: 1, bias: true, batchFirst: true);
        _fc = nn.Linear(w.HiddenSize, w.OutputSize);
        using (torch.no_grad())
        {
            foreach (var (name, p) in _lstm.named_parameters())
            {
                LstmGen.Tensor src = name switch
                {
                    "weight_ih_l0" => w.WeightIh, "weight_hh_l0" => w.WeightHh,
                    "bias_ih_l0" => w.BiasIh!, "bias_hh_l0" => w.BiasHh!,
                    _ => throw new InvalidOperationException($"unexpected LSTM parameter {name}"),
                };
                p.copy_(torch.tensor(src.ToArray(), p.shape));
            }
            _fc.weight!.copy_(torch.tensor(w.FcWeight!.ToArray(), _fc.weight!.shape));
            _fc.bias!.copy_(torch.tensor(w.FcBias!.ToArray(), _fc.bias!.shape));
        }
        _lstm.eval();
        _fc.eval();
        _x = torch.tensor(input, [batch, seqLen, w.InputSize]);
        Output = new float[batch * w.OutputSize];
    }

    public float[] Output { get; }

    public void Run()
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var (_, hn, _) = _lstm.forward(_x);
        var y = _fc.forward(hn[0]);
        y.data<float>().CopyTo(Output);
    }

    /// <summary>Loads libtorch; on failure returns false and the full error.</summary>
    public static bool TryLoad(out string error)
    {
        try
        {
            using var t = torch.ones(2);
            error = "";
            return t.sum().item<float>() == 2f;
        }
        catch (Exception e)
        {
            // TorchSharp's own message blames a missing package reference whatever the cause; dlopen says what it is.
            error = NativeLoadError() + e;
            return false;
        }
    }

    private static string NativeLoadError()
    {
        foreach (string dir in new[] { AppContext.BaseDirectory, System.IO.Path.Combine(AppContext.BaseDirectory, "cpu") })
        {
            string path = System.IO.Path.Combine(dir, "libLibTorchSharp.so");
            if (!System.IO.File.Exists(path))
                continue;
            try
            {
                System.Runtime.InteropServices.NativeLibrary.Free(System.Runtime.InteropServices.NativeLibrary.Load(path));
            }
            catch (Exception e)
            {
                return "dlopen failed: " + e.Message + System.Environment.NewLine;
            }
        }
        return "";
    }

    public void Dispose()
    {
        _x.Dispose();
        _fc.Dispose();
        _lstm.Dispose();
    }
}
#endif
