using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace RuralLoans.Ocr.Engines;

/// <summary>Runs the tesseract executable on one image, fed through stdin, and parses its TSV output.</summary>
public sealed class TesseractCli(OcrOptions options)
{
    private const string InstallHint = "install it with: apt-get install tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-script-hans";

    public async Task<OcrPage> RecognizeAsync(byte[] image, int pageNumber, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        var start = new ProcessStartInfo(options.TesseractPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
        };
        foreach (var argument in Arguments())
        {
            start.ArgumentList.Add(argument);
        }
        // Tesseract's OpenMP threads fight each other on small machines: one thread is 3-6x faster here, same output.
        start.Environment["OMP_THREAD_LIMIT"] = "1";

        using var process = StartProcess(start);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.TesseractTimeout);
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.StandardInput.BaseStream.WriteAsync(image, timeout.Token).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // Tesseract quits before reading the image when it cannot start (e.g. no language data); its stderr says why.
            }
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            var errors = await stderr.ConfigureAwait(false);
            var tsv = await stdout.ConfigureAwait(false);
            if (process.ExitCode != 0 || errors.Contains("Failed loading language", StringComparison.Ordinal))
            {
                throw new OcrException(DescribeFailure(process.ExitCode, errors));
            }
            return TesseractTsv.Parse(tsv, pageNumber);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new OcrException($"Tesseract did not finish within {options.TesseractTimeout.TotalSeconds:0} s.");
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    private IEnumerable<string> Arguments()
    {
        yield return "stdin";
        yield return "stdout";
        if (options.TessdataDirectory is not null)
        {
            yield return "--tessdata-dir";
            yield return options.TessdataDirectory;
        }
        yield return "-l";
        yield return options.TesseractLanguage;
        yield return "--psm";
        yield return options.PageSegmentationMode.ToString(CultureInfo.InvariantCulture);
        // The preprocessed page is scaled to about 300 dpi; saying so stops Tesseract guessing from a missing header.
        yield return "--dpi";
        yield return "300";
        yield return "tsv";
    }

    private Process StartProcess(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start) ?? throw new OcrException($"Tesseract ('{options.TesseractPath}') could not be started; {InstallHint}.");
        }
        catch (Win32Exception e)
        {
            throw new OcrException($"Tesseract is not installed: '{options.TesseractPath}' was not found or cannot run ({e.Message}); {InstallHint}.", e);
        }
    }

    private string DescribeFailure(int exitCode, string errors)
    {
        if (errors.Contains("Failed loading language", StringComparison.Ordinal) || errors.Contains("traineddata", StringComparison.Ordinal))
        {
            var where = options.TessdataDirectory ?? "Tesseract's tessdata directory";
            return $"Tesseract language data '{options.TesseractLanguage}' is missing from {where}; {InstallHint}. Tesseract said: {errors.Trim()}";
        }
        return $"Tesseract failed with exit code {exitCode}: {errors.Trim()}";
    }
}

/// <summary>Reads Tesseract's TSV output (level 5 rows are words) into lines of words with 0..1 confidences.</summary>
public static class TesseractTsv
{
    private const int WordLevel = 5;

    public static OcrPage Parse(string tsv, int pageNumber)
    {
        ArgumentNullException.ThrowIfNull(tsv);
        double pageWidth = 0, pageHeight = 0;
        var lines = new List<(int Key, List<OcrWord> Words)>();
        var rows = tsv.Split('\n');
        foreach (var row in rows.Skip(1))
        {
            var columns = row.TrimEnd('\r').Split('\t');
            if (columns.Length < 12)
            {
                continue;
            }
            var level = Int(columns[0]);
            var box = new BoundingBox(Int(columns[6]), Int(columns[7]), Int(columns[8]), Int(columns[9]));
            if (level == 1)
            {
                pageWidth = box.Width;
                pageHeight = box.Height;
                continue;
            }
            var text = columns[11].Trim();
            if (level != WordLevel || text.Length == 0)
            {
                continue;
            }
            var key = (Int(columns[2]) * 1_000_000) + (Int(columns[3]) * 1_000) + Int(columns[4]);
            var confidence = Math.Clamp(double.Parse(columns[10], CultureInfo.InvariantCulture) / 100, 0, 1);
            if (lines.Count == 0 || lines[^1].Key != key)
            {
                lines.Add((key, []));
            }
            lines[^1].Words.Add(new OcrWord(text, box, confidence));
        }
        return new OcrPage(pageNumber, pageWidth, pageHeight, lines.Select(l => new OcrLine(l.Words)).ToList());
    }

    private static int Int(string value) => int.Parse(value, CultureInfo.InvariantCulture);
}
