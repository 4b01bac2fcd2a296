using LiveOrleans.Api.Auth;
using LiveOrleans.Storage;

namespace LiveOrleans.Api.Identity;

/// <summary>
/// Who gave or took back access: one structured log line per change to a tenant's people or API keys (category
/// <c>LiveOrleans.Api.Identity.AccessAudit</c>, information level), naming the tenant, the admin who made the change,
/// and what changed; never a password or a key.
/// </summary>
/// <remarks>
/// A log line, not an entry of the interventions' hash-chained audit log: that chain records what was done to
/// conversations (it is read back per session, and each entry carries a control command's fields); changes of
/// access are an operator's record, collected with the engine's other logs (see docs/operations.md).
/// </remarks>
public sealed partial class AccessAudit(ILogger<AccessAudit> logger)
{
    public void UserCreated(ClaimsPrincipal admin, UserRecord user)
        => Log.UserCreated(logger, admin.TenantId(), admin.UserId(), user.Id, user.Username, EnumNames<Role>.Name(user.Role), user.AgentId);

    public void UserChanged(ClaimsPrincipal admin, UserRecord before, UserRecord after)
        => Log.UserChanged(logger, admin.TenantId(), admin.UserId(), after.Id, after.Username,
            EnumNames<Role>.Name(before.Role), EnumNames<Role>.Name(after.Role), before.AgentId, after.AgentId, before.Name != after.Name);

    public void UserRemoved(ClaimsPrincipal admin, UserRecord user)
        => Log.UserRemoved(logger, admin.TenantId(), admin.UserId(), user.Id, user.Username, EnumNames<Role>.Name(user.Role));

    public void KeyCreated(ClaimsPrincipal admin, string keyId, string? name) => Log.KeyCreated(logger, admin.TenantId(), admin.UserId(), keyId, name);

    public void KeyRevoked(ClaimsPrincipal admin, string keyId) => Log.KeyRevoked(logger, admin.TenantId(), admin.UserId(), keyId);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Access: tenant {Tenant}, admin {Admin} created person {UserId} ({Username}) with role {Role}, agent {AgentId}.")]
        public static partial void UserCreated(ILogger logger, string tenant, string admin, string userId, string username, string role, string? agentId);

        [LoggerMessage(2, LogLevel.Information,
            "Access: tenant {Tenant}, admin {Admin} changed person {UserId} ({Username}): role {RoleBefore} -> {Role}, agent {AgentIdBefore} -> {AgentId}, name changed {NameChanged}.")]
        public static partial void UserChanged(ILogger logger, string tenant, string admin, string userId, string username,
            string roleBefore, string role, string? agentIdBefore, string? agentId, bool nameChanged);

        [LoggerMessage(3, LogLevel.Information, "Access: tenant {Tenant}, admin {Admin} removed person {UserId} ({Username}, role {Role}).")]
        public static partial void UserRemoved(ILogger logger, string tenant, string admin, string userId, string username, string role);

        [LoggerMessage(4, LogLevel.Information, "Access: tenant {Tenant}, admin {Admin} created API key {KeyId} ({KeyName}).")]
        public static partial void KeyCreated(ILogger logger, string tenant, string admin, string keyId, string? keyName);

        [LoggerMessage(5, LogLevel.Information, "Access: tenant {Tenant}, admin {Admin} revoked API key {KeyId}.")]
        public static partial void KeyRevoked(ILogger logger, string tenant, string admin, string keyId);
    }
}
