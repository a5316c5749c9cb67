namespace CkksRns.Nn.Encrypted;

/// <summary>One step of an encrypted-evaluation plan: a composed linear map or a polynomial activation.</summary>
internal abstract class PlanStage
{
    /// <summary>The first model layer this stage covers.</summary>
    public int FirstLayer { get; init; }

    /// <summary>The last model layer this stage covers.</summary>
    public int LastLayer { get; init; }

    /// <summary>Elements in.</summary>
    public abstract int InputLength { get; }

    /// <summary>Elements out.</summary>
    public abstract int OutputLength { get; }

    /// <summary>Levels (rescalings) this stage consumes.</summary>
    public abstract int Depth { get; }

    /// <summary>A short name for tables.</summary>
    public abstract string Name { get; }

    /// <summary>The level of the stage's input ciphertexts.</summary>
    public int InputLevel { get; set; }

    /// <summary>The scale of the stage's input ciphertexts.</summary>
    public double InputScale { get; set; }

    /// <summary>The level of the output.</summary>
    public int OutputLevel { get; set; }

    /// <summary>The scale of the output.</summary>
    public double OutputScale { get; set; }

    /// <summary>The scale the output is brought to (the working scale, or the output scale for the last stage).</summary>
    public double TargetScale { get; set; }

    /// <summary>The plaintext reference: this stage on one sample, in double precision.</summary>
    public abstract void Apply(ReadOnlySpan<double> input, Span<double> output);
}
