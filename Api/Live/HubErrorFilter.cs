using Microsoft.AspNetCore.SignalR;

namespace LiveOrleans.Api.Live;

/// <summary>
/// Hub calls that fail: a <see cref="HubException"/> is an expected refusal (an unknown session, a bad filter), the
/// caller's answer and nothing for the engine's log; anything else is a failure of the engine, logged here as an
/// error. SignalR's own dispatcher, which logs both alike at error level, is kept quiet (see LiveApiRegistration).
/// </summary>
public sealed partial class HubErrorFilter(ILogger<HubErrorFilter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception ex) when (ex is not HubException && ex is not OperationCanceledException)
        {
            Log.Failed(logger, context.Hub.GetType().Name, context.HubMethodName, ex);
            throw;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Hub method {Hub}.{Method} failed.")]
        public static partial void Failed(ILogger logger, string hub, string method, Exception ex);
    }
}
