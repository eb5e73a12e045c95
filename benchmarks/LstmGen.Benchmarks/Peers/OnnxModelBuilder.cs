using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using LstmGen;

namespace LstmGen.Benchmarks.Peers;

/// <summary>
/// Builds, without Python or an ONNX package, the ONNX model of the LSTM + Linear module:
/// <c>X [B, T, I] → Transpose → LSTM (layout 0) → Y_h [1, B, H] → Squeeze → Gemm(fc, transB=1) → Y [B, O]</c>,
/// the graph PyTorch's exporter writes for a batch-first LSTM. Opset 14, IR version 7.
/// </summary>
public static class OnnxModelBuilder
{
    public const string InputName = "x";
    public const string OutputName = "y";

    private const int Float = 1, Int64 = 7;                                 // TensorProto.DataType
    private const int AttrInt = 2, AttrInts = 7;                            // AttributeProto.AttributeType

    public static byte[] Build(LstmWeights w, int seqLen, int batch)
    {
        int I = w.InputSize, H = w.HiddenSize, O = w.OutputSize;

        // PyTorch stacks the gate rows i, f, g, o; ONNX wants i, o, f, c (c = PyTorch's g).
        int[] onnxFromTorch = [0, 3, 1, 2];
        float[] W = ReorderGateRows(w.WeightIh.AsSpan(), H, I, onnxFromTorch);
        float[] R = ReorderGateRows(w.WeightHh.AsSpan(), H, H, onnxFromTorch);
        float[] bias = new float[8 * H];
        ReorderGateRows(w.BiasIh!.AsSpan(), H, 1, onnxFromTorch).CopyTo(bias, 0);       // Wb
        ReorderGateRows(w.BiasHh!.AsSpan(), H, 1, onnxFromTorch).CopyTo(bias, 4 * H);   // Rb

        var graph = new Proto();
        graph.Message(1, Node("transpose", "Transpose", ["x"], ["x_tbi"], IntsAttr("perm", [1, 0, 2])));
        graph.Message(1, Node("lstm", "LSTM", ["x_tbi", "W", "R", "B"], ["", "y_h"], IntAttr("hidden_size", H)));
        graph.Message(1, Node("squeeze", "Squeeze", ["y_h", "squeeze_axes"], ["h_last"]));
        graph.Message(1, Node("fc", "Gemm", ["h_last", "fc_w", "fc_b"], ["y"], IntAttr("transB", 1)));
        graph.String(2, "lstm_linear");
        graph.Message(5, FloatTensor("W", [1, 4 * H, I], W));
        graph.Message(5, FloatTensor("R", [1, 4 * H, H], R));
        graph.Message(5, FloatTensor("B", [1, 8 * H], bias));
        graph.Message(5, Int64Tensor("squeeze_axes", [1], [0]));
        graph.Message(5, FloatTensor("fc_w", [O, H], w.FcWeight!.AsSpan()));
        graph.Message(5, FloatTensor("fc_b", [O], w.FcBias!.AsSpan()));
        graph.Message(11, ValueInfo(InputName, [batch, seqLen, I]));
        graph.Message(12, ValueInfo(OutputName, [batch, O]));

        var opset = new Proto();
        opset.String(1, "");
        opset.Varint(2, 14);

        var model = new Proto();
        model.Varint(1, 7);                         // ir_version
        model.String(2, "LstmGen.Benchmarks");      // producer_name
        model.Message(7, graph);                    // graph
        model.Message(8, opset);                    // opset_import
        return model.ToArray();
    }

    private static float[] ReorderGateRows(ReadOnlySpan<float> src, int hidden, int cols, int[] order)
    {
        var dst = new float[4 * hidden * cols];
        int block = hidden * cols;
        for (int gate = 0; gate < 4; gate++)
            src.Slice(order[gate] * block, block).CopyTo(dst.AsSpan(gate * block));
        return dst;
    }

    private static Proto Node(string name, string op, string[] inputs, string[] outputs, params Proto[] attributes)
    {
        var p = new Proto();
        foreach (string i in inputs) p.String(1, i);
        foreach (string o in outputs) p.String(2, o);
        p.String(3, name);
        p.String(4, op);
        foreach (Proto a in attributes) p.Message(5, a);
        return p;
    }

    private static Proto IntAttr(string name, long value)
    {
        var p = new Proto();
        p.String(1, name);
        p.Varint(3, (ulong)value);
        p.Varint(20, AttrInt);
        return p;
    }

    private static Proto IntsAttr(string name, long[] values)
    {
        var p = new Proto();
        p.String(1, name);
        foreach (long v in values) p.Varint(8, (ulong)v);
        p.Varint(20, AttrInts);
        return p;
    }

    private static Proto FloatTensor(string name, long[] dims, ReadOnlySpan<float> data)
    {
        var p = new Proto();
        foreach (long d in dims) p.Varint(1, (ulong)d);
        p.Varint(2, Float);
        p.String(8, name);
        p.Bytes(9, MemoryMarshal.AsBytes(data));   // raw_data, little-endian
        return p;
    }

    private static Proto Int64Tensor(string name, long[] dims, ReadOnlySpan<long> data)
    {
        var p = new Proto();
        foreach (long d in dims) p.Varint(1, (ulong)d);
        p.Varint(2, Int64);
        p.String(8, name);
        p.Bytes(9, MemoryMarshal.AsBytes(data));
        return p;
    }

    private static Proto ValueInfo(string name, long[] dims)
    {
        var shape = new Proto();
        foreach (long d in dims)
        {
            var dim = new Proto();
            dim.Varint(1, (ulong)d);                // dim_value
            shape.Message(1, dim);
        }
        var tensorType = new Proto();
        tensorType.Varint(1, Float);                // elem_type
        tensorType.Message(2, shape);
        var type = new Proto();
        type.Message(1, tensorType);                // tensor_type
        var p = new Proto();
        p.String(1, name);
        p.Message(2, type);
        return p;
    }

    /// <summary>A minimal protobuf message writer: varint and length-delimited fields.</summary>
    private sealed class Proto
    {
        private readonly MemoryStream _buffer = new();

        public void Varint(int field, ulong value)
        {
            WriteVarint((ulong)(field << 3));       // wire type 0
            WriteVarint(value);
        }

        public void Bytes(int field, ReadOnlySpan<byte> bytes)
        {
            WriteVarint((ulong)((field << 3) | 2)); // wire type 2
            WriteVarint((ulong)bytes.Length);
            _buffer.Write(bytes);
        }

        public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public void Message(int field, Proto message) => Bytes(field, message.ToArray());

        public byte[] ToArray() => _buffer.ToArray();

        private void WriteVarint(ulong value)
        {
            while (value >= 0x80)
            {
                _buffer.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }
            _buffer.WriteByte((byte)value);
        }
    }
}
