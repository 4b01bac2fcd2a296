using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using LiveOrleans.Api.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace LiveOrleans.Api.Http;

/// <summary>
/// Completes the OpenAPI document from what the endpoints declare: their query parameters' types and bounds
/// (<see cref="DescribeQuery"/>), the 401/403/404 every protected or addressed resource may answer, the fields a
/// request must carry (<see cref="RequiredAttribute"/> on the request records; the others are optional), and
/// examples of every event type for ingest.
/// </summary>
public static class OpenApiContract
{
    public static OpenApiOptions AddLiveContract(this OpenApiOptions options)
    {
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            DescribeQuery(operation, context.Description);
            operation.Responses ??= [];
            var anonymous = metadata.OfType<IAllowAnonymous>().Any();
            var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().ToHashSet(StringComparer.Ordinal);
            if (!anonymous && policies.Count > 0)
            {
                operation.Responses.TryAdd("401", Problem("No valid credentials: a missing, expired or tampered access token, or an unknown API key."));
                if (policies.Overlaps([LiveClaims.AdminPolicy, LiveClaims.IntervenePolicy, LiveClaims.PlatformPolicy]))
                    operation.Responses.TryAdd("403", Problem("The caller's role does not allow this."));
            }
            if (context.Description.RelativePath?.Contains('{') == true)
                operation.Responses.TryAdd("404", Problem("Not found, or another tenant's (never its data, nor whether it exists)."));
            if (context.Description.RelativePath == "api/v1/events" && operation.RequestBody?.Content?.TryGetValue("application/json", out var body) == true)
                body.Example = JsonNode.Parse(EventsExample);
            return Task.CompletedTask;
        });

        options.AddSchemaTransformer((schema, context, _) =>
        {
            var type = context.JsonTypeInfo.Type;
            if (type.Namespace != typeof(Endpoints.IngestResponse).Namespace || !type.Name.EndsWith("Request", StringComparison.Ordinal))
                return Task.CompletedTask;
            // Request records take every field as nullable so that the endpoint can name what is missing; the document
            // says which ones must be sent.
            var required = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.GetCustomAttribute<RequiredAttribute>() is not null)
                .Select(p => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(p.Name))
                .ToHashSet(StringComparer.Ordinal);
            schema.Required = required;
            foreach (var (name, property) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
            {
                if (required.Contains(name) && property is OpenApiSchema concrete && concrete.Type is { } t) concrete.Type = t & ~JsonSchemaType.Null;
            }
            return Task.CompletedTask;
        });
        return options;
    }

    /// <summary>
    /// The query parameters as the handler binds them: the query types (<see cref="QueryNumber"/>, <see cref="QueryTime"/>, <see cref="QueryList"/>) are integers,
    /// timestamps and comma-separated lists on the wire; the descriptions and bounds are the attributes of the
    /// <c>[AsParameters]</c> records' properties (not their constructor parameters, which the generator cannot read:
    /// dotnet/aspnetcore#65348).
    /// </summary>
    private static void DescribeQuery(OpenApiOperation operation, ApiDescription description)
    {
        foreach (var bound in description.ParameterDescriptions.Where(p => p.Source == BindingSource.Query))
        {
            if (operation.Parameters?.FirstOrDefault(p => p.In == ParameterLocation.Query && p.Name == bound.Name) is not OpenApiParameter parameter) continue;
            var type = Nullable.GetUnderlyingType(bound.Type) ?? bound.Type;
            var schema = type == typeof(QueryNumber) ? new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "0" }
                : type == typeof(QueryTime) ? new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" }
                : new OpenApiSchema { Type = JsonSchemaType.String };
            var attributes = bound.ParameterDescriptor is IParameterInfoParameterDescriptor { ParameterInfo: { } info } ? info.GetCustomAttributes(true) : [];
            foreach (var attribute in attributes)
            {
                switch (attribute)
                {
                    case RangeAttribute range:
                        schema.Minimum = Convert.ToString(range.Minimum, CultureInfo.InvariantCulture);
                        schema.Maximum = Convert.ToString(range.Maximum, CultureInfo.InvariantCulture);
                        break;
                    case MaxLengthAttribute max:
                        schema.MaxLength = max.Length;
                        break;
                    case DescriptionAttribute text:
                        parameter.Description = text.Description;
                        break;
                }
            }
            parameter.Schema = schema;
        }
    }

    private static OpenApiResponse Problem(string description) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("ProblemDetails") },
        },
    };

    /// <summary>One batch with every event type of the contract (docs/contract.md, Ingest).</summary>
    private const string EventsExample = """
        {"events": [
          {"id": "ev-1", "type": "session_started", "timestamp": "2026-11-22T10:15:00Z", "sessionId": "s-42", "channel": "whatsapp",
           "agentId": "support-bot", "user": {"id": "c-7", "name": "Ann Lee"}, "priority": "high", "teamId": "billing", "ownerId": "alice"},
          {"id": "ev-2", "type": "message_received", "timestamp": "2026-11-22T10:15:01Z", "sessionId": "s-42",
           "message": {"id": "m-1", "format": "text", "text": "Where is my refund?"}},
          {"id": "ev-3", "type": "agent_thinking", "timestamp": "2026-11-22T10:15:02Z", "sessionId": "s-42"},
          {"id": "ev-4", "type": "message_delta", "timestamp": "2026-11-22T10:15:02.300Z", "sessionId": "s-42", "messageId": "m-2", "delta": "Let me", "index": 0},
          {"id": "ev-5", "type": "message_sent", "timestamp": "2026-11-22T10:15:03Z", "sessionId": "s-42",
           "message": {"id": "m-2", "format": "text", "text": "Let me check your refund."}, "sender": {"kind": "ai"}},
          {"id": "ev-6", "type": "conversation_assigned", "timestamp": "2026-11-22T10:16:00Z", "sessionId": "s-42", "ownerId": "bob", "teamId": "billing"},
          {"id": "ev-7", "type": "priority_changed", "timestamp": "2026-11-22T10:16:10Z", "sessionId": "s-42", "priority": "urgent"},
          {"id": "ev-8", "type": "conversation_status_changed", "timestamp": "2026-11-22T10:16:20Z", "sessionId": "s-42", "status": "open"},
          {"id": "ev-9", "type": "error_occurred", "timestamp": "2026-11-22T10:16:30Z", "sessionId": "s-42", "error": {"code": "llm_timeout", "message": "The model timed out"}},
          {"id": "ev-10", "type": "agent_status_changed", "timestamp": "2026-11-22T10:16:40Z", "agentId": "bob", "status": "online", "name": "Bob", "kind": "human", "teams": ["billing"]},
          {"id": "ev-11", "type": "session_ended", "timestamp": "2026-11-22T10:20:00Z", "sessionId": "s-42", "reason": "resolved"}
        ]}
        """;
}
