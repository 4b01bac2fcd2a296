using System.Diagnostics;
using LiveOrleans.Grains.Storage;
using LiveOrleans.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace LiveOrleans.Bench;

/// <summary>
/// The store's raw durable append rate: small rows in 1,000-row transactions, WAL, synchronous=FULL, in the
/// same SQLite build and file system as the engine. The yardstick for the ingest figure.
/// </summary>
public static class RawAppendBenchmark
{
    private const int Rows = 300_000;

    // The log's own rate goes through its writer thread in 1,000-entry appends, one after the other: the store and
    // its indexes, without group commit's help.
    private const int PerTransaction = 1_000;

    public static async Task<(double Raw, double Log)> RunAsync(int runs)
    {
        var rates = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            var path = Path.Combine(Path.GetTempPath(), $"lo-raw-{Guid.NewGuid():N}.db");
            try
            {
                using var database = new SqliteDatabase(path);
                using var connection = database.Open();
                SqliteDatabase.Execute(connection, "CREATE TABLE raw(position INTEGER PRIMARY KEY, tenant TEXT NOT NULL, payload BLOB NOT NULL)");
                var payload = new byte[200];
                Random.Shared.NextBytes(payload);
                using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO raw(position, tenant, payload) VALUES ($p, $t, $b)";
                var p = insert.Parameters.Add("$p", SqliteType.Integer);
                var t = insert.Parameters.Add("$t", SqliteType.Text);
                var b = insert.Parameters.Add("$b", SqliteType.Blob);
                t.Value = "tenant-1";
                b.Value = payload;
                var watch = Stopwatch.StartNew();
                for (var done = 0; done < Rows; done += PerTransaction)
                {
                    using var transaction = connection.BeginTransaction();
                    insert.Transaction = transaction;
                    for (var i = 0; i < PerTransaction; i++)
                    {
                        p.Value = done + i + 1;
                        insert.ExecuteNonQuery();
                    }
                    transaction.Commit();
                }
                rates.Add(Rows / watch.Elapsed.TotalSeconds);
                Console.WriteLine($"raw append run {run + 1}: {rates[^1]:N0} rows/s");
            }
            finally
            {
                SqliteConnection.ClearAllPools();
                foreach (var f in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(path) + "*")) File.Delete(f);
            }
        }
        var logRates = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            using var store = new ScratchStore();
            var payload = new byte[200];
            var watch = Stopwatch.StartNew();
            for (var done = 0; done < Rows; done += PerTransaction)
            {
                var batch = Enumerable.Range(done, PerTransaction)
                    .Select(i => new LogAppend(LogEntryKind.Event, $"g{i % 16}-e{i}", payload)).ToArray();
                await store.Log.AppendAsync("tenant-1", $"session/g{done % 16}", batch);
            }
            logRates.Add(Rows / watch.Elapsed.TotalSeconds);
            Console.WriteLine($"event log append run {run + 1}: {logRates[^1]:N0} entries/s");
        }
        Console.WriteLine($"RESULT event-log-append: median {Machine.Median(logRates):N0} entries/s over {runs} runs (the engine's log table with its per-tenant duplicate index, same batches)");
        Console.WriteLine($"RESULT raw-append: median {Machine.Median(rates):N0} rows/s over {runs} runs ({Rows:N0} rows of 200 B, {PerTransaction} per transaction, WAL, synchronous=FULL)");
        return (Machine.Median(rates), Machine.Median(logRates));
    }
}
