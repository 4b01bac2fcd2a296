using System.Security.Cryptography;

namespace LiveOrleans.Storage;

/// <summary>The audit log's hash chain: each entry's hash covers the previous entry's hash and the entry's stored bytes.</summary>
public static class AuditChain
{
    public static byte[] Hash(byte[] previousHash, byte[] entry)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(previousHash);
        sha.AppendData(entry);
        return sha.GetHashAndReset();
    }
}
