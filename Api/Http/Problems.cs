using Microsoft.AspNetCore.Mvc;

namespace LiveOrleans.Api.Http;

/// <summary>RFC 7807 problem details with a <c>detail</c> a person can act on.</summary>
public static class Problems
{
    public static ProblemHttpResult Status(int status, string detail, string? title = null)
        => TypedResults.Problem(detail: detail, statusCode: status, title: title);

    public static ValidationProblem Invalid(ValidationErrors errors, string detail)
        => TypedResults.ValidationProblem(errors.ToDictionary(), detail: detail);

    public static ValidationProblem Invalid(string field, string message)
    {
        var errors = new ValidationErrors();
        errors.Add(field, message);
        return Invalid(errors, message);
    }

    public static ProblemHttpResult NotFound(string what) => Status(StatusCodes.Status404NotFound, $"{what} was not found.", "Not Found");

    /// <summary>Writes a validation problem naming one field, outside an endpoint (bodies no endpoint could read).</summary>
    public static Task WriteInvalid(HttpContext context, string field, string message)
    {
        if (context.Response.HasStarted) return Task.CompletedTask;
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        var problem = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = StatusCodes.Status400BadRequest, Title = "One or more validation errors occurred.", Detail = message,
            Type = "https://httpstatuses.io/400",
        };
        return context.Response.WriteAsJsonAsync(problem, LiveOrleans.LiveJson.Options, "application/problem+json");
    }

    /// <summary>Writes a problem outside an endpoint (authentication challenges, limits).</summary>
    public static Task Write(HttpContext context, int status, string title, string detail)
    {
        if (context.Response.HasStarted) return Task.CompletedTask;
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(
            new ProblemDetails { Status = status, Title = title, Detail = detail, Type = $"https://httpstatuses.io/{status}" },
            LiveOrleans.LiveJson.Options, "application/problem+json");
    }
}
