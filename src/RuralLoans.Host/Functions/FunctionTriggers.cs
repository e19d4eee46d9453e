using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RuralLoans.Host.Functions;

/// <summary>A function's trigger: the bindings it declares and how its custom-handler payload reads.</summary>
public abstract record FunctionTrigger
{
    /// <summary>The app setting prefix that names the storage account, as Functions resolves <c>connection</c>.</summary>
    public const string StorageConnection = "AzureWebJobsStorage";

    /// <summary>The name of the trigger binding: the key of its value in the payload's <c>Data</c>.</summary>
    public abstract string BindingName { get; }

    public abstract IEnumerable<JsonObject> ToBindings();

    /// <summary>Reads the trigger's part of a custom-handler request.</summary>
    /// <exception cref="InvalidDataException">The payload is not what this trigger sends.</exception>
    public abstract TriggerEvent Parse(JsonElement data, JsonElement metadata);

    private protected static JsonElement? Find(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        foreach (var property in element.EnumerateObject())
        {
            if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind is not JsonValueKind.Null and not JsonValueKind.Undefined)
            {
                return property.Value;
            }
        }
        return null;
    }

    private protected static string? Text(JsonElement element, string name) => Find(element, name) switch
    {
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        { } value => value.GetRawText(),
        null => null,
    };

    private protected static long? Number(JsonElement element, string name) => Find(element, name) switch
    {
        { ValueKind: JsonValueKind.Number } value => value.GetInt64(),
        { ValueKind: JsonValueKind.String } value when long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => null,
    };

    private protected static DateTimeOffset? Time(JsonElement element, string name) =>
        Text(element, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;

    /// <summary>Trigger values come as JSON text in a string or as the JSON itself, depending on the host version.</summary>
    private protected static JsonElement Unwrap(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String && value.GetString() is { } text && text.TrimStart().StartsWith('{'))
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                return value;
            }
        }
        return value;
    }
}

/// <summary>A Storage queue trigger; the host deletes the message when the function succeeds.</summary>
public sealed record QueueTrigger(string QueueName, string Connection = FunctionTrigger.StorageConnection) : FunctionTrigger
{
    public override string BindingName => "message";

    public override IEnumerable<JsonObject> ToBindings() =>
    [
        new JsonObject { ["name"] = BindingName, ["type"] = "queueTrigger", ["direction"] = "in", ["queueName"] = QueueName, ["connection"] = Connection },
    ];

    public override TriggerEvent Parse(JsonElement data, JsonElement metadata)
    {
        var body = Text(data, BindingName) ?? throw new InvalidDataException($"Data.{BindingName} (the queue message) is missing.");
        var id = Text(metadata, "Id") ?? throw new InvalidDataException("Metadata.Id (the queue message id) is missing.");
        var dequeueCount = Number(metadata, "DequeueCount") ?? throw new InvalidDataException("Metadata.DequeueCount is missing or not a number.");
        return new QueueMessageEvent(id, body, dequeueCount, Text(metadata, "PopReceipt"), Time(metadata, "InsertionTime"), Time(metadata, "ExpirationTime"), Time(metadata, "NextVisibleTime"));
    }
}

public enum BlobTriggerSource
{
    /// <summary>Events pushed by an Event Grid subscription: low latency, and the only source the Flex Consumption plan supports.</summary>
    EventGrid,

    /// <summary>The host polls the container (not on Flex Consumption).</summary>
    LogsAndContainerScan,
}

/// <summary>A blob trigger on every blob of one container.</summary>
public sealed record BlobTrigger(string Container, BlobTriggerSource Source = BlobTriggerSource.EventGrid, string Connection = FunctionTrigger.StorageConnection) : FunctionTrigger
{
    public override string BindingName => "blob";

    public override IEnumerable<JsonObject> ToBindings()
    {
        var binding = new JsonObject
        {
            ["name"] = BindingName,
            ["type"] = "blobTrigger",
            ["direction"] = "in",
            ["path"] = $"{Container}/{{name}}",
            ["connection"] = Connection,
            ["source"] = Source.ToString(),
        };
        return [binding];
    }

    public override TriggerEvent Parse(JsonElement data, JsonElement metadata)
    {
        // BlobTrigger is "container/name"; {name} from the path pattern is its fallback.
        string blobName;
        if (Text(metadata, "BlobTrigger") is { } path)
        {
            var slash = path.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || slash == path.Length - 1)
            {
                throw new InvalidDataException($"Metadata.BlobTrigger '{path}' is not container/name.");
            }
            if (!path[..slash].Equals(Container, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"Metadata.BlobTrigger '{path}' is not in container '{Container}', which this function watches.");
            }
            blobName = path[(slash + 1)..];
        }
        else
        {
            blobName = Text(metadata, "name") ?? throw new InvalidDataException("Metadata.BlobTrigger (container/name) is missing.");
        }

        var properties = Find(metadata, "Properties") is { } found ? Unwrap(found) : default;
        return new BlobEvent(Container, blobName,
            Number(properties, "ContentLength") ?? Number(properties, "Length"),
            Text(properties, "ETag"),
            Text(properties, "ContentType"));
    }
}

/// <summary>A timer trigger on an NCRONTAB schedule with seconds ("0 */5 * * * *").</summary>
public sealed record TimerTrigger(string Schedule) : FunctionTrigger
{
    public override string BindingName => "timer";

    public override IEnumerable<JsonObject> ToBindings() =>
    [
        new JsonObject { ["name"] = BindingName, ["type"] = "timerTrigger", ["direction"] = "in", ["schedule"] = Schedule, ["runOnStartup"] = false, ["useMonitor"] = true },
    ];

    public override TriggerEvent Parse(JsonElement data, JsonElement metadata)
    {
        var timer = Find(data, BindingName) is { } value ? Unwrap(value) : throw new InvalidDataException($"Data.{BindingName} (the timer's state) is missing.");
        if (timer.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"Data.{BindingName} is not the timer's state object.");
        }
        var status = Find(timer, "ScheduleStatus") ?? default;
        return new TimerEvent(Find(timer, "IsPastDue") is { ValueKind: JsonValueKind.True }, Time(status, "Last"), Time(status, "Next"));
    }
}

/// <summary>An HTTP trigger forwarded to the ASP.NET Core endpoint of the same route (no custom-handler payload).</summary>
/// <param name="Methods">Lower-case verbs; empty for every verb.</param>
public sealed record HttpTrigger(string Route, IReadOnlyList<string> Methods) : FunctionTrigger
{
    public override string BindingName => "req";

    public override IEnumerable<JsonObject> ToBindings()
    {
        var trigger = new JsonObject { ["name"] = BindingName, ["type"] = "httpTrigger", ["direction"] = "in", ["authLevel"] = "anonymous" };
        if (Methods.Count > 0)
        {
            trigger["methods"] = new JsonArray([.. Methods.Select(method => JsonValue.Create(method))]);
        }
        trigger["route"] = Route;
        return [trigger, new JsonObject { ["name"] = "res", ["type"] = "http", ["direction"] = "out" }];
    }

    public override TriggerEvent Parse(JsonElement data, JsonElement metadata) =>
        throw new NotSupportedException("HTTP functions are forwarded as plain HTTP requests, never as custom-handler payloads.");
}
