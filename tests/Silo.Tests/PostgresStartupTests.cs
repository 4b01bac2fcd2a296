using System.Net;
using System.Net.Sockets;
using LiveOrleans.Storage.Postgres;
using Microsoft.Extensions.Logging;

namespace LiveOrleans.Silo.Tests;

/// <summary>A store whose server is not there is waited for, with a warning each time, then refused with a clear message.</summary>
[Trait("Category", "store")]
public sealed class PostgresStartupTests
{
    [Fact]
    public void A_server_that_never_answers_is_tried_again_with_a_warning_then_named_in_the_error()
    {
        // A port nothing listens on: every connection is refused at once.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var logger = new Lines();

        var error = Assert.Throws<InvalidOperationException>(() =>
            new PostgresDatabase($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Timeout=2", logger, TimeSpan.FromSeconds(2)));

        Assert.Contains($"PostgreSQL 127.0.0.1:{port}/postgres does not answer", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<Npgsql.NpgsqlException>(error.InnerException);
        Assert.NotEmpty(logger.Warnings);
        Assert.All(logger.Warnings, w => Assert.StartsWith($"PostgreSQL 127.0.0.1:{port}/postgres does not answer yet (", w, StringComparison.Ordinal));
    }

    private sealed class Lines : ILogger
    {
        public List<string> Warnings { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning) Warnings.Add(formatter(state, exception));
        }
    }
}
