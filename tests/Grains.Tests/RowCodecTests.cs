using System.Text.Json;
using LiveOrleans.Grains.Derived;
using LiveOrleans.Grains.Index;
using LiveOrleans.Grains.Storage;
using LiveOrleans.Live;
using LiveOrleans.Queries;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace LiveOrleans.Grains.Tests;

/// <summary>The compact row formats of index entries and tenant-day conversations: every field back as it was, and older rows still read.</summary>
[Trait("Category", "unit")]
public sealed class RowCodecTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void An_entry_reads_back_as_it_was_written_field_for_field(int seed)
    {
        var random = new Random(seed);
        var codec = new EntryRowCodec();
        long compact = 0, orleans = 0;
        for (var i = 0; i < 2_000; i++)
        {
            var entry = RandomEntry(random, i);
            var row = codec.Write(entry);
            Assert.True(codec.TryRead(row, out var read));
            // JSON names every property, lists whatever their type, and times with their offsets.
            Assert.Equal(JsonSerializer.Serialize(entry), JsonSerializer.Serialize(read));
            compact += row.Length;
            orleans += Serializer.SerializeToArray(entry).Length;
        }
        Assert.True(compact < orleans * 0.8, $"compact rows {compact:N0} bytes against Orleans' {orleans:N0}");
    }

    [Fact]
    public void A_conversation_reads_back_as_it_was_written()
    {
        var random = new Random(4);
        var codec = new DayRowCodec();
        for (var i = 0; i < 2_000; i++)
        {
            var conversation = new DayConversation(random.NextInt64(0, long.MaxValue),
                new ConversationFacts(Maybe(random, "team-é"), Maybe(random, "owner"), Maybe(random, "whatsapp"), random.Next(2) == 0,
                    (ConversationStatus)random.Next(2), random.Next(-1, 24)));
            Assert.True(codec.TryRead(codec.Write(conversation), out var read));
            Assert.Equal(conversation, read);
        }
    }

    [Fact]
    public async Task Rows_of_orleans_serializer_are_not_the_codecs_and_a_load_reads_both()
    {
        var random = new Random(5);
        var entries = Enumerable.Range(0, 200).Select(i => RandomEntry(random, i)).ToArray();
        var codec = new EntryRowCodec();
        foreach (var entry in entries)
        {
            var legacy = Serializer.SerializeToArray(entry);
            Assert.NotEqual(RowFormat.Marker, legacy[0]);
            Assert.False(codec.TryRead(legacy, out _));
        }
        // A store written before the codec, then half rewritten by it: every row loads.
        var stored = entries.Select((e, i) => new StoredRow(e.SessionId, i % 2 == 0 ? Serializer.SerializeToArray(e) : codec.Write(e))).ToArray();
        var rows = new RowChanges<SessionEntry>(new Store(stored), Serializer, "t/0", new EntryRowCodec());
        var loaded = await rows.LoadAsync();
        Assert.Equal(entries.Select(e => JsonSerializer.Serialize(e)), loaded.Select(l => JsonSerializer.Serialize(l.Value)));
    }

    [Fact]
    public void Nulls_and_undefined_enum_values_come_back_as_they_were_written()
    {
        var entry = RandomEntry(new Random(7), 1);
        var odd = entry with
        {
            Card = entry.Card with { SessionId = null!, User = null!, Preview = null!, State = (LiveState)42, Priority = (Priority)(-3) },
            SearchTexts = [null!, "text"],
        };
        var codec = new EntryRowCodec();
        Assert.True(codec.TryRead(codec.Write(odd), out var read));
        Assert.Equal(JsonSerializer.Serialize(odd), JsonSerializer.Serialize(read));
    }

    [Fact]
    public void A_row_cut_short_or_with_bytes_left_over_is_refused()
    {
        var codec = new EntryRowCodec();
        var row = codec.Write(RandomEntry(new Random(6), 1));
        Assert.ThrowsAny<Exception>(() => codec.TryRead(row.AsSpan(0, row.Length - 1), out _));
        Assert.Throws<FormatException>(() => codec.TryRead([.. row, 0], out _));
    }

    /// <summary>A field added to an entry, its card or their records must be written by the codec too: this list fails first.</summary>
    [Fact]
    public void The_codecs_know_every_field_of_what_they_write()
    {
        Assert.Equal(["Position", "Deltas", "Card", "BroadcastOnly", "SearchTexts", "WaitingSince", "Replies", "Interventions"], Fields<SessionEntry>());
        Assert.Equal(["SessionId", "AgentId", "AgentName", "AgentColor", "Channel", "User", "StartedAt", "LastActivityAt", "State", "Priority",
            "Preview", "OwnerId", "TeamId", "Status", "WaitingForFirstResponse", "EndedAt", "EndReason", "HeldBy"], Fields<SessionCard>());
        Assert.Equal(["Id", "Name"], Fields<UserView>());
        Assert.Equal(["UserId", "Name", "Since"], Fields<SessionHolder>());
        Assert.Equal(["At", "Milliseconds"], Fields<ReplySample>());
        Assert.Equal(["Position", "Facts"], Fields<DayConversation>());
        Assert.Equal(["TeamId", "OwnerId", "Channel", "Waiting", "Status", "InitiatedHour"], Fields<ConversationFacts>());
    }

    private static string[] Fields<T>() => [.. typeof(T).GetConstructors().Single(c => c.GetParameters().Length > 0 && c.GetParameters()[0].ParameterType != typeof(T))
        .GetParameters().Select(p => p.Name!)];

    private static string? Maybe(Random random, string value) => random.Next(3) == 0 ? null : value + random.Next(50);

    private static DateTimeOffset Time(Random random)
        => new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero).AddTicks(random.NextInt64(-TimeSpan.TicksPerDay * 400, TimeSpan.TicksPerDay * 400))
            .ToOffset(TimeSpan.FromMinutes(15 * random.Next(-48, 57)));

    private static readonly string[] Texts = ["", "Hello, I have a question about refund (order 12)", "naïve café ☕ 👩‍👩‍👧 — ok?", "line\nbreak\ttab", new string('x', 600)];

    internal static SessionEntry RandomEntry(Random random, int i)
    {
        // Texts of their own (an entry's messages), the preview most often the newest of them, as sessions make them.
        string[] texts = [.. Enumerable.Range(0, random.Next(4)).Select(_ => new string(Texts[random.Next(Texts.Length)].AsSpan()))];
        var preview = texts.Length > 0 && random.Next(5) > 0 ? texts[^1] : Texts[random.Next(Texts.Length)];
        var card = new SessionCard($"s{i}-{random.Next()}", Maybe(random, "bot"), Maybe(random, "Ada"), Maybe(random, "#a1b2c3"), Maybe(random, "web"),
            new UserView(Maybe(random, "u"), Maybe(random, "Customer Ö")), Time(random), Time(random), (LiveState)random.Next(6), (Priority)random.Next(4),
            preview, Maybe(random, "owner"), Maybe(random, "team"), (ConversationStatus)random.Next(2), random.Next(2) == 0,
            random.Next(2) == 0 ? Time(random) : null, Maybe(random, "idle_timeout"),
            random.Next(4) == 0 ? new SessionHolder("user-" + random.Next(9), Maybe(random, "Grace"), Time(random)) : null);
        return new SessionEntry(random.NextInt64(0, long.MaxValue), random.Next(0, 1000), card, random.Next(10) == 0,
            texts, random.Next(2) == 0 ? Time(random) : null,
            [.. Enumerable.Range(0, random.Next(4)).Select(_ => new ReplySample(Time(random), random.NextDouble() * 1e6))],
            [.. Enumerable.Range(0, random.Next(3)).Select(_ => Time(random))]);
    }

    private sealed class Store(IReadOnlyList<StoredRow> stored) : IRowStore
    {
        public Task<long> ClaimAsync(string grainKey) => Task.FromResult(1L);

        public Task SaveAsync(string grainKey, long claim, IReadOnlyList<StoredRow> upserts, IReadOnlyList<string> deletes) => Task.CompletedTask;

        public Task LoadAsync(string grainKey, int chunkRows, Action<StoredRow[]> onChunk) => Task.Run(() =>
        {
            foreach (var chunk in stored.Chunk(7)) onChunk(chunk);
        });
    }
}
