using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Converters;

namespace RuralLoans.TaskHub;

/// <summary>
/// How inputs, outputs, events and custom status are written into the task hub, for every host: camel case and enums
/// by name, so a history row reads the same in the portal, in Storage Explorer and in the audit.
/// </summary>
public static class TaskHubJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    public static DataConverter Converter { get; } = new JsonDataConverter(Options);

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.Converters.Add(new JsonStringEnumConverter());
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver();
        options.MakeReadOnly();
        return options;
    }
}
