using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace LiveOrleans.Grains.Derived;

/// <summary>
/// A compact row format of a derived grain's value, in place of Orleans' serializer for the rows a restart reads by the
/// million: fields in a fixed order, no field headers, no reference tracking. Rows it did not write (Orleans' format, as
/// stores written before it hold) are not its: <see cref="TryRead"/> says so and the caller falls back.
/// </summary>
public interface IRowCodec<T> where T : class
{
    byte[] Write(T value);

    /// <summary>The value of a row this codec wrote; false for any other row (<paramref name="value"/> then null).</summary>
    bool TryRead(ReadOnlySpan<byte> row, out T? value);
}

/// <summary>
/// The writer and reader the row codecs share. A row begins with <see cref="Marker"/> and a format byte. Orleans'
/// serializer begins every value with a tag byte whose top three bits are its wire type, and 0b101 is none of them
/// (Orleans.Serialization.WireProtocol.WireType): no row it wrote begins with 0xB7.
/// </summary>
public static class RowFormat
{
    public const byte Marker = 0xB7;

    public ref struct Writer
    {
        private readonly ArrayBufferWriter<byte> _buffer;

        public Writer(ArrayBufferWriter<byte> buffer, byte format)
        {
            _buffer = buffer;
            _buffer.ResetWrittenCount();
            Byte(Marker);
            Byte(format);
        }

        public readonly byte[] ToArray() => _buffer.WrittenSpan.ToArray();

        public readonly void Byte(byte value)
        {
            _buffer.GetSpan(1)[0] = value;
            _buffer.Advance(1);
        }

        public readonly void Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

        public readonly void UInt(ulong value)
        {
            var span = _buffer.GetSpan(10);
            var n = 0;
            while (value >= 0x80)
            {
                span[n++] = (byte)(value | 0x80);
                value >>= 7;
            }
            span[n++] = (byte)value;
            _buffer.Advance(n);
        }

        public readonly void Int(long value) => UInt((ulong)((value << 1) ^ (value >> 63)));

        public readonly void Double(double value)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(_buffer.GetSpan(8), value);
            _buffer.Advance(8);
        }

        /// <summary>UTF-8, as Orleans' string codec writes it, after its length plus one (0: null).</summary>
        public readonly void String(string? value)
        {
            if (value is null)
            {
                UInt(0);
                return;
            }
            var bytes = Encoding.UTF8.GetByteCount(value);
            UInt((ulong)bytes + 1);
            _buffer.Advance(Encoding.UTF8.GetBytes(value, _buffer.GetSpan(bytes)));
        }

        public readonly void Time(DateTimeOffset value)
        {
            UInt((ulong)value.UtcTicks);
            Int((long)value.Offset.TotalMinutes);
        }

        public readonly void Time(DateTimeOffset? value)
        {
            Bool(value is not null);
            if (value is { } time) Time(time);
        }
    }

    public ref struct Reader(ReadOnlySpan<byte> row)
    {
        private readonly ReadOnlySpan<byte> _row = row;
        private int _at = 2;

        /// <summary>Whether the row is this format's, in <paramref name="format"/>.</summary>
        public static bool Is(ReadOnlySpan<byte> row, byte format) => row.Length >= 2 && row[0] == Marker && row[1] == format;

        /// <summary>Every byte was read: a row longer than its fields is not one this codec wrote.</summary>
        public readonly void End()
        {
            if (_at != _row.Length) throw new FormatException($"A row of {_row.Length} bytes ended after {_at}.");
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public byte Byte() => _row[_at++];

        public bool Bool() => Byte() switch
        {
            0 => false,
            1 => true,
            var other => throw new FormatException($"A flag of {other}."),
        };

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public ulong UInt()
        {
            ulong value = 0;
            for (var shift = 0; shift < 70; shift += 7)
            {
                var b = _row[_at++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) return value;
            }
            throw new FormatException("A number of more than ten bytes.");
        }

        public long Int()
        {
            var raw = UInt();
            return (long)(raw >> 1) ^ -(long)(raw & 1);
        }

        public int Int32() => checked((int)Int());

        public double Double()
        {
            var value = BinaryPrimitives.ReadDoubleLittleEndian(_row.Slice(_at, 8));
            _at += 8;
            return value;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public string? String()
        {
            var length = UInt();
            if (length == 0) return null;
            var bytes = checked((int)(length - 1));
            var value = Encoding.UTF8.GetString(_row.Slice(_at, bytes));
            _at += bytes;
            return value;
        }

        public DateTimeOffset Time()
        {
            var utc = (long)UInt();
            var offset = TimeSpan.FromMinutes(Int());
            return new DateTimeOffset(utc + offset.Ticks, offset);
        }

        public DateTimeOffset? MaybeTime() => Bool() ? Time() : null;

        /// <summary>An enum's value as written, defined or not (the reader reads back whatever the writer was given).</summary>
        public TEnum Enum<TEnum>() where TEnum : struct, Enum
        {
            if (Unsafe.SizeOf<TEnum>() != sizeof(int)) throw new NotSupportedException($"{typeof(TEnum).Name} is not an int enum.");
            var raw = Int32();
            return Unsafe.As<int, TEnum>(ref raw);
        }
    }
}
