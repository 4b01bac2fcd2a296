using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LiveOrleans.Storage;

namespace LiveOrleans.Api.Identity;

/// <summary>What a valid access token says about its bearer.</summary>
public sealed record TokenClaims(string UserId, string Tenant, string Name, Role Role, string? AgentId, bool PlatformAdmin, DateTimeOffset ExpiresAt);

/// <summary>
/// Access tokens for people: compact JWTs signed with HS256. The key comes from <c>Auth:SigningKey</c> or is
/// generated once and kept in the store, so tokens survive a restart.
/// </summary>
public sealed class TokenService(byte[] key, TimeSpan lifetime, TimeProvider time)
{
    public const string Issuer = "liveorleans";
    private static readonly string Header = ApiKeys.Base64Url("""{"alg":"HS256","typ":"JWT"}"""u8);

    public TimeSpan Lifetime => lifetime;

    public (string Token, DateTimeOffset ExpiresAt) Issue(UserRecord user)
    {
        var now = time.GetUtcNow();
        var expires = now + lifetime;
        var payload = new JsonObject
        {
            ["iss"] = Issuer,
            ["sub"] = user.Id,
            ["tid"] = user.Tenant,
            ["name"] = user.Name,
            ["role"] = EnumNames<Role>.Name(user.Role),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = expires.ToUnixTimeSeconds(),
        };
        if (user.AgentId is not null) payload["agt"] = user.AgentId;
        if (user.PlatformAdmin) payload["pla"] = true;
        var body = ApiKeys.Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        return ($"{Header}.{body}.{Sign(Header + "." + body)}", DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }

    public TokenClaims? Validate(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[0] != Header) return null;
        var expected = Encoding.ASCII.GetBytes(Sign(parts[0] + "." + parts[1]));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(parts[2]))) return null;
        try
        {
            using var doc = JsonDocument.Parse(FromBase64Url(parts[1]));
            var root = doc.RootElement;
            if (root.GetProperty("iss").GetString() != Issuer) return null;
            var expires = DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("exp").GetInt64());
            if (expires <= time.GetUtcNow()) return null;
            if (!EnumNames<Role>.TryParse(root.GetProperty("role").GetString() ?? "", out var role)) return null;
            return new TokenClaims(
                root.GetProperty("sub").GetString()!,
                root.GetProperty("tid").GetString()!,
                root.GetProperty("name").GetString()!,
                role,
                root.TryGetProperty("agt", out var agent) ? agent.GetString() : null,
                root.TryGetProperty("pla", out var platform) && platform.GetBoolean(),
                expires);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    private string Sign(string data) => ApiKeys.Base64Url(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(data)));

    private static byte[] FromBase64Url(string s)
    {
        var padded = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - padded.Length % 4) % 4));
    }
}
