using System;
using LstmGen.Kernels;
using Xunit;

namespace LstmGen.Tests.Parity;

/// <summary>
/// bfloat16 weights (<see cref="WeightPrecision.BFloat16"/>). A bfloat16 model computes what a float32 model of the same
/// plan computes with the weights rounded to bfloat16, so that is checked to float32 precision through every API
/// (<see cref="BFloat16Parity"/>); against PyTorch's float32 results, the golden cases measure what the rounding costs.
/// </summary>
public class BFloat16Tests
{
    [Theory]
    [MemberData(nameof(BFloat16Parity.Names), MemberType = typeof(BFloat16Parity))]
    public void A_bfloat16_model_computes_what_float32_does_with_rounded_weights(string name) =>
        Assert.InRange(BFloat16Parity.MaxError(name), 0f, 1e-6f);

    // Golden cases through a bfloat16 model: its error against PyTorch (measured 1.6e-4 and 1.8e-4 on outputs up to
    // 0.16, docs/weight-precision.md); float32 models are within 3e-8 of these.
    [Theory]
    [InlineData("h64", 1e-3f)]
    [InlineData("h128", 1e-3f)]
    public void Bfloat16_weights_stay_within_1e_3_of_PyTorch(string name, float bound)
    {
        ILstmTestModel model = name == "h64" ? new HalfH64Model() : new HalfH128Model();
        model.LoadSafetensors(GoldenParity.GoldenPath(name + ".weights.safetensors"));
        SafetensorsFile io = SafetensorsFile.Load(GoldenParity.GoldenPath(name + ".io.safetensors"));
        Tensor y = model.Forward(io.ReadTensor("x"));
        Assert.InRange(GoldenParity.MaxAbsDifference(y.AsSpan(), io.ReadTensor("y").AsSpan()), 1e-5f, bound);
    }

    [Fact]
    public void Rounding_is_to_nearest_even()
    {
        Assert.Equal(1f, RecurrentPacking.RoundToBFloat16(1f));
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: to the even mantissa, 1. Just above it rounds up.
        Assert.Equal(1f, RecurrentPacking.RoundToBFloat16(1f + 1f / 256));
        Assert.Equal(1f + 1f / 128, RecurrentPacking.RoundToBFloat16(BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(1f + 1f / 256) + 1)));
        // 1 + 3·2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: to the even one, up.
        Assert.Equal(1f + 1f / 64, RecurrentPacking.RoundToBFloat16(1f + 3f / 256));
        Assert.Equal(-0.5f, RecurrentPacking.RoundToBFloat16(-0.5f));
        Assert.Equal(float.PositiveInfinity, RecurrentPacking.RoundToBFloat16(float.MaxValue));
        Assert.Equal(float.NegativeInfinity, RecurrentPacking.RoundToBFloat16(float.NegativeInfinity));
        Assert.True(float.IsNaN(RecurrentPacking.RoundToBFloat16(BitConverter.UInt32BitsToSingle(0x7F800001))));
    }
}
