using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using RuralLoans.Ocr;
using RuralLoans.Ocr.Extraction;
using Spectre.Console;

namespace RuralLoans.Cli.Commands;

/// <summary><c>ruralloans ocr FILE [--json]</c>: reads a loan application form and prints its fields with confidences.</summary>
internal static class OcrCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "A form: PDF (text or scanned) or a JPEG/PNG/TIFF/BMP/WebP image" };
        var json = new Option<bool>("--json") { Description = "Print {\"fields\": {...}, \"errors\": [...]} as JSON" };
        var engine = new Option<string>("--engine")
        {
            Description = "tesseract (local) or documentintelligence (Azure); default: $RURALLOANS_OCR_ENGINE or tesseract",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("RURALLOANS_OCR_ENGINE") ?? "tesseract",
        };
        var endpoint = new Option<Uri?>("--endpoint")
        {
            Description = "Document Intelligence endpoint; default: $RURALLOANS_DOCUMENT_INTELLIGENCE_ENDPOINT",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("RURALLOANS_DOCUMENT_INTELLIGENCE_ENDPOINT") is { Length: > 0 } url ? new Uri(url) : null,
        };
        var key = new Option<string?>("--key")
        {
            Description = "Document Intelligence key; default: $RURALLOANS_DOCUMENT_INTELLIGENCE_KEY",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("RURALLOANS_DOCUMENT_INTELLIGENCE_KEY"),
        };
        var command = new Command("ocr", "Read a loan application form: OCR, then the 15 application fields with confidences") { file, json, engine, endpoint, key };
        command.SetAction(async (result, cancellationToken) =>
        {
            var path = result.GetValue(file)!;
            ExtractedForm form;
            try
            {
                var options = new OcrOptions
                {
                    Engine = OcrOptions.ParseEngine(result.GetValue(engine)!),
                    DocumentIntelligenceEndpoint = result.GetValue(endpoint),
                    DocumentIntelligenceKey = result.GetValue(key),
                };
                using var http = new HttpClient();
                var reader = new LoanFormReader(OcrEngineFactory.Create(options, http));
                var bytes = await File.ReadAllBytesAsync(path.FullName, cancellationToken);
                form = await reader.ReadAsync(bytes, OcrContentTypes.FromFileName(path.Name), cancellationToken);
            }
            catch (Exception e) when (e is OcrException or IOException or UnauthorizedAccessException)
            {
                form = ExtractedForm.Failed(e.Message);
            }

            if (result.GetValue(json))
            {
                Console.WriteLine(ToJson(form).ToJsonString(Json));
            }
            else
            {
                Print(form);
            }
            return form.Errors.Any(e => e.Field is null) ? 1 : 0;
        });
        return command;
    }

    private static JsonObject ToJson(ExtractedForm form)
    {
        var fields = new JsonObject();
        foreach (var (name, field) in form.Fields)
        {
            fields[name] = new JsonObject { ["value"] = field.Value, ["confidence"] = field.Confidence };
        }
        var errors = new JsonArray([.. form.Errors.Select(e => (JsonNode)new JsonObject { ["field"] = e.Field, ["message"] = e.Message })]);
        return new JsonObject { ["fields"] = fields, ["errors"] = errors };
    }

    private static void Print(ExtractedForm form)
    {
        var table = new Table().RoundedBorder().AddColumn("field").AddColumn("value").AddColumn(new TableColumn("confidence").RightAligned());
        foreach (var (name, field) in form.Fields)
        {
            var colour = field.Confidence >= 0.8 ? "green" : field.Confidence >= 0.5 ? "yellow" : "red";
            table.AddRow(Markup.Escape(name), Markup.Escape(field.Value ?? "—"), $"[{colour}]{field.Confidence:0.00}[/]");
        }
        AnsiConsole.Write(table);
        foreach (var error in form.Errors)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(error.Field ?? "document")}[/]: {Markup.Escape(error.Message)}");
        }
    }
}
