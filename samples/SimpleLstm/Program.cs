// The seed notebook (a minimal PyTorch LSTM for sequence classification), in C# with LstmGen.
using System;
using LstmGen;

// Model parameters
const int batchSize = 3; // sequences in a batch

// Create the model and initialize it as PyTorch does: every parameter from U(-1/sqrt(H), 1/sqrt(H)).
var model = new SimpleLstm();
model.InitializeWeights(seed: 0); // or model.LoadSafetensors("model.safetensors")

// Randomly generate a batch of input data: (batch_size, seq_len, input_size)
var x = Tensor.RandN([batchSize, SimpleLstm.SeqLen, SimpleLstm.InputSize], seed: 0);

// Forward pass
Tensor output = model.Forward(x);
Console.WriteLine($"Output shape: {output.ShapeString}");
Console.WriteLine("Output content:");
Console.WriteLine(output);

/// <summary>input_size 5, hidden_size 8, output_size 2 (classes), seq_len 7: the notebook's model.</summary>
[Lstm(inputSize: 5, hiddenSize: 8, outputSize: 2, seqLen: 7)]
public partial class SimpleLstm;
