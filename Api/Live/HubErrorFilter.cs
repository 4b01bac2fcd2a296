using Microsoft.AspNetCore.SignalR;

namespace LiveOrleans.Api.Live;

/// <summary>
/// Hub calls that fail: a <see cref="HubException"/> is an expected refusal (an unknown session, a bad filter), the
/// caller's answer and nothing for the engine's log; anything else is a failure of the engine, logged here as an
/// error. SignalR's own dispatcher, which logs both alike at error level, is kept quiet (see LiveApiRegistration).
/// The same for connecting: a connection refused with a <see cref="HubException"/> (a connection cap) is one warning
/// line without a stack trace, so clients reconnecting in a loop do not flood the log; SignalR's connection handler,
/// which logs it as an error with its stack trace, is kept quiet too.
/// </summary>
public sealed partial class HubErrorFilter(ILogger<HubErrorFilter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocationContext);
        }
        catch (Exception ex) when (ex is not HubException && ex is not OperationCanceledException)
        {
            Log.Failed(logger, invocationContext.Hub.GetType().Name, invocationContext.HubMethodName, ex);
            throw;
        }
    }

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        try
        {
            await next(context);
        }
        catch (HubException ex)
        {
            Log.Refused(logger, context.Hub.GetType().Name, context.Context.UserIdentifier ?? context.Context.User?.FindFirstValue(System.Security.Claims.ClaimTypes.NameIdentifier) ?? "", ex.Message);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.Failed(logger, context.Hub.GetType().Name, nameof(OnConnectedAsync), ex);
            throw;
        }
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        try
        {
            await next(context, exception);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.Failed(logger, context.Hub.GetType().Name, nameof(OnDisconnectedAsync), ex);
            throw;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Hub method {Hub}.{Method} failed.")]
        public static partial void Failed(ILogger logger, string hub, string method, Exception ex);

        [LoggerMessage(2, LogLevel.Warning, "{Hub} refused a connection of user {User}: {Reason}")]
        public static partial void Refused(ILogger logger, string hub, string user, string reason);
    }
}
