using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace RuralLoans.Scoring.Challenger;

/// <summary>
/// LightGBM's documented C API, in the native library (<c>lib_lightgbm</c>, LightGBM 4.6.0) that the LightGBM
/// NuGet package ships with Microsoft.ML.LightGbm. Used directly because ML.NET's options have no way to pass
/// <c>monotone_constraints</c>; the C API takes any LightGBM parameter in its parameter string.
/// </summary>
internal static partial class LightGbmNative
{
    private const string Library = "lib_lightgbm";
    private const int Float32 = 0;

    public const int PredictRawScore = 1;
    public const int PredictContributions = 3;

    [LibraryImport(Library, EntryPoint = "LGBM_GetLastError")]
    private static partial IntPtr GetLastError();

    [LibraryImport(Library, EntryPoint = "LGBM_DatasetCreateFromMat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int DatasetCreateFromMat(float* data, int dataType, int rows, int columns, int isRowMajor, string parameters, IntPtr reference, out IntPtr dataset);

    [LibraryImport(Library, EntryPoint = "LGBM_DatasetSetField", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int DatasetSetField(IntPtr dataset, string field, float* data, int count, int dataType);

    [LibraryImport(Library, EntryPoint = "LGBM_DatasetFree")]
    private static partial int DatasetFree(IntPtr dataset);

    [LibraryImport(Library, EntryPoint = "LGBM_BoosterCreate", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int BoosterCreate(IntPtr dataset, string parameters, out IntPtr booster);

    [LibraryImport(Library, EntryPoint = "LGBM_BoosterUpdateOneIter")]
    private static partial int BoosterUpdateOneIter(IntPtr booster, out int finished);

    [LibraryImport(Library, EntryPoint = "LGBM_BoosterSaveModelToString")]
    private static unsafe partial int BoosterSaveModelToString(IntPtr booster, int startIteration, int iterations, int importanceType, long bufferLength, out long length, byte* text);

    [LibraryImport(Library, EntryPoint = "LGBM_BoosterLoadModelFromString", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int BoosterLoadModelFromString(string model, out int iterations, out IntPtr booster);

    [LibraryImport(Library, EntryPoint = "LGBM_BoosterPredictForMat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int BoosterPredictForMat(IntPtr booster, float* data, int dataType, int rows, int columns, int isRowMajor, int predictType,
        int startIteration, int iterations, string parameters, out long length, double* result);

    [LibraryImport(Library, EntryPoint = "LGBM_BoosterFree")]
    internal static partial int BoosterFree(IntPtr booster);

    private static void Check(int code, string call)
    {
        if (code != 0)
        {
            throw new InvalidOperationException($"LightGBM {call} failed: {Marshal.PtrToStringUTF8(GetLastError())}");
        }
    }

    /// <summary>Joins LightGBM parameters as its C API expects them: <c>key=value</c> separated by spaces.</summary>
    public static string Parameters(IEnumerable<KeyValuePair<string, object>> parameters) =>
        string.Join(' ', parameters.Select(p => p.Key + "=" + Convert.ToString(p.Value, CultureInfo.InvariantCulture)));

    /// <summary>Grows <paramref name="iterations"/> trees on a row-major matrix and returns LightGBM's text model.</summary>
    public static unsafe string Train(float[] rowMajor, int rows, int columns, float[] labels, string parameters, int iterations)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(rowMajor.Length, rows * columns);
        ArgumentOutOfRangeException.ThrowIfNotEqual(labels.Length, rows);
        IntPtr dataset = IntPtr.Zero, booster = IntPtr.Zero;
        try
        {
            fixed (float* data = rowMajor)
            fixed (float* label = labels)
            {
                Check(DatasetCreateFromMat(data, Float32, rows, columns, 1, parameters, IntPtr.Zero, out dataset), "LGBM_DatasetCreateFromMat");
                Check(DatasetSetField(dataset, "label", label, rows, Float32), "LGBM_DatasetSetField");
            }
            Check(BoosterCreate(dataset, parameters, out booster), "LGBM_BoosterCreate");
            for (var i = 0; i < iterations; i++)
            {
                Check(BoosterUpdateOneIter(booster, out var finished), "LGBM_BoosterUpdateOneIter");
                if (finished != 0)
                {
                    break;
                }
            }
            Check(BoosterSaveModelToString(booster, 0, -1, 0, 0, out var length, null), "LGBM_BoosterSaveModelToString");
            var buffer = new byte[length];
            fixed (byte* text = buffer)
            {
                Check(BoosterSaveModelToString(booster, 0, -1, 0, length, out length, text), "LGBM_BoosterSaveModelToString");
            }
            // The length counts the terminating NUL.
            return Encoding.UTF8.GetString(buffer, 0, (int)Math.Max(0, length - 1));
        }
        finally
        {
            if (booster != IntPtr.Zero)
            {
                _ = BoosterFree(booster);
            }
            if (dataset != IntPtr.Zero)
            {
                _ = DatasetFree(dataset);
            }
        }
    }

    public static BoosterHandle Load(string model)
    {
        Check(BoosterLoadModelFromString(model, out _, out var handle), "LGBM_BoosterLoadModelFromString");
        var booster = new BoosterHandle();
        Marshal.InitHandle(booster, handle);
        return booster;
    }

    /// <summary>Raw scores (one per row) or contributions (columns + 1 per row, the last one the expected value).</summary>
    public static unsafe double[] Predict(BoosterHandle booster, float[] rowMajor, int rows, int columns, int predictType)
    {
        var result = new double[predictType == PredictContributions ? rows * (columns + 1) : rows];
        var added = false;
        booster.DangerousAddRef(ref added);
        try
        {
            fixed (float* data = rowMajor)
            fixed (double* output = result)
            {
                Check(BoosterPredictForMat(booster.DangerousGetHandle(), data, Float32, rows, columns, 1, predictType, 0, -1, "num_threads=1", out var length, output),
                    "LGBM_BoosterPredictForMat");
                if (length != result.Length)
                {
                    throw new InvalidOperationException($"LightGBM returned {length} predictions where {result.Length} were expected.");
                }
            }
        }
        finally
        {
            if (added)
            {
                booster.DangerousRelease();
            }
        }
        return result;
    }
}

/// <summary>A loaded LightGBM booster; freed by the native library when released.</summary>
internal sealed class BoosterHandle : SafeHandle
{
    public BoosterHandle() : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => LightGbmNative.BoosterFree(handle) == 0;
}
