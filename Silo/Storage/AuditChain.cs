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

    /// <summary>Walks a tenant's stored entries (in sequence order) and answers whether every one is there, unchanged, in order.</summary>
    public static AuditVerification Verify(IEnumerable<(long Seq, byte[] Entry, byte[] PreviousHash, byte[] Hash)> entries)
    {
        byte[] previous = [];
        long expectedSeq = 1, count = 0;
        foreach (var (seq, entry, storedPrevious, hash) in entries)
        {
            if (seq != expectedSeq) return AuditVerification.Broken(count, expectedSeq, $"Entry {expectedSeq} is missing (the next stored entry is {seq}).");
            if (!CryptographicOperations.FixedTimeEquals(storedPrevious, previous))
                return AuditVerification.Broken(count, seq, $"Entry {seq} does not point at the hash of entry {seq - 1}.");
            if (!CryptographicOperations.FixedTimeEquals(hash, Hash(previous, entry)))
                return AuditVerification.Broken(count, seq, $"Entry {seq} was changed after it was written: its hash does not match its content.");
            previous = hash;
            expectedSeq++;
            count++;
        }
        return new AuditVerification(true, count, null, null);
    }
}
