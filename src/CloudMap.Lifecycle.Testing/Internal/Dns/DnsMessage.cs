// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace CloudMap.Lifecycle.Testing.Internal.Dns;

// The DNS wire format (RFC 1035, EDNS(0) RFC 6891), only as far as an authoritative server for Cloud Map's records needs
// it: one question in, A/AAAA/CNAME/SRV/SOA records out, name compression, the OPT record, truncation to the client's
// payload size. See EmulatorDnsServer for why this is not a library.

internal enum DnsType : ushort
{
    A = 1,
    Ns = 2,
    Cname = 5,
    Soa = 6,
    Aaaa = 28,
    Srv = 33,
    Opt = 41,
    Any = 255,
}

internal enum DnsRcode
{
    NoError = 0,
    FormErr = 1,
    ServFail = 2,
    NxDomain = 3,
    NotImp = 4,
    Refused = 5,

    /// <summary>Extended (RFC 6891): the upper 8 bits go in the OPT record.</summary>
    BadVers = 16,
}

/// <summary>A parsed query: the header fields an answer echoes, the one question, and the client's EDNS.</summary>
internal sealed class DnsQuery
{
    public const int MinUdpPayload = 512;

    public ushort Id { get; private init; }

    public int Opcode { get; private init; }

    public bool RecursionDesired { get; private init; }

    /// <summary>The question's name in lower case without the final dot (<c>""</c> for the root).</summary>
    public string Name { get; private init; } = string.Empty;

    public DnsType Type { get; private init; }

    public ushort Class { get; private init; }

    /// <summary>The question as received (name, type, class), echoed byte for byte.</summary>
    public ReadOnlyMemory<byte> RawQuestion { get; private init; }

    /// <summary>Gets whether the question's name has no compression pointer, so answers may point into it.</summary>
    public bool QuestionIsUncompressed =>
        RawQuestion.Length == 4 + 1 + (Name.Length == 0 ? 0 : Encoding.Latin1.GetByteCount(Name) + 1);

    public bool HasEdns { get; private init; }

    public int EdnsVersion { get; private init; }

    /// <summary>The client's UDP payload size (512 without EDNS; values under 512 count as 512).</summary>
    public int UdpPayloadSize { get; private init; } = MinUdpPayload;

    /// <summary>Parses a query; <see langword="null"/> when not even the header can be read (nothing to answer).</summary>
    /// <param name="message">The message.</param>
    /// <param name="query">The query, when it has exactly one readable question.</param>
    /// <returns>The id of the message, or <see langword="null"/>.</returns>
    public static ushort? TryParse(ReadOnlySpan<byte> message, out DnsQuery? query)
    {
        query = null;
        if (message.Length < 12)
        {
            return null;
        }

        var id = BinaryPrimitives.ReadUInt16BigEndian(message);
        var flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        if ((flags & 0x8000) != 0)
        {
            // A response: never answer one (no loops between two servers).
            return null;
        }

        var qdcount = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        var ancount = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        var nscount = BinaryPrimitives.ReadUInt16BigEndian(message[8..]);
        var arcount = BinaryPrimitives.ReadUInt16BigEndian(message[10..]);
        if (qdcount != 1)
        {
            return id;
        }

        var offset = 12;
        if (!TryReadName(message, ref offset, out var name) || offset + 4 > message.Length)
        {
            return id;
        }

        var type = BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
        var @class = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 2)..]);
        offset += 4;
        var raw = message[12..offset].ToArray();

        // Skip answer and authority records (a query has none, but a client may send them), then look for OPT.
        var hasEdns = false;
        var version = 0;
        var payload = MinUdpPayload;
        for (var i = 0; i < ancount + nscount + arcount; i++)
        {
            if (!TryReadName(message, ref offset, out var owner) || offset + 10 > message.Length)
            {
                return id;
            }

            var rrType = BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
            var rrClass = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 2)..]);
            var rrTtl = BinaryPrimitives.ReadUInt32BigEndian(message[(offset + 4)..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 8)..]);
            offset += 10 + length;
            if (offset > message.Length)
            {
                return id;
            }

            if (i >= ancount + nscount && (DnsType)rrType == DnsType.Opt)
            {
                if (hasEdns || owner.Length != 0)
                {
                    // RFC 6891: more than one OPT, or one not at the root, is a FORMERR.
                    return id;
                }

                hasEdns = true;
                version = (int)((rrTtl >> 16) & 0xFF);
                payload = Math.Max(MinUdpPayload, (int)rrClass);
            }
        }

        query = new DnsQuery
        {
            Id = id,
            Opcode = (flags >> 11) & 0xF,
            RecursionDesired = (flags & 0x0100) != 0,
            Name = name,
            Type = (DnsType)type,
            Class = @class,
            RawQuestion = raw,
            HasEdns = hasEdns,
            EdnsVersion = version,
            UdpPayloadSize = payload,
        };
        return id;
    }

    /// <summary>Reads a name (following compression pointers, with a loop guard) as lower-case dotted text.</summary>
    private static bool TryReadName(ReadOnlySpan<byte> message, ref int offset, out string name)
    {
        var text = new StringBuilder();
        var position = offset;
        var jumped = false;
        for (var hops = 0; hops < 64; hops++)
        {
            if (position >= message.Length)
            {
                break;
            }

            int length = message[position];
            if ((length & 0xC0) == 0xC0)
            {
                if (position + 1 >= message.Length)
                {
                    break;
                }

                if (!jumped)
                {
                    offset = position + 2;
                    jumped = true;
                }

                position = ((length & 0x3F) << 8) | message[position + 1];
                continue;
            }

            if ((length & 0xC0) != 0 || position + 1 + length > message.Length)
            {
                break;
            }

            if (length == 0)
            {
                if (!jumped)
                {
                    offset = position + 1;
                }

                name = text.ToString().ToLowerInvariant();
                return text.Length <= 255;
            }

            if (text.Length > 0)
            {
                text.Append('.');
            }

            text.Append(Encoding.Latin1.GetString(message.Slice(position + 1, length)));
            position += 1 + length;
        }

        name = string.Empty;
        return false;
    }
}

/// <summary>One resource record of an answer.</summary>
internal abstract record DnsRecord(string Name, uint Ttl)
{
    public abstract DnsType Type { get; }

    public abstract void WriteData(DnsWriter writer);
}

internal sealed record DnsAddressRecord(string Name, uint Ttl, IPAddress Address) : DnsRecord(Name, Ttl)
{
    public override DnsType Type => Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? DnsType.Aaaa : DnsType.A;

    public override void WriteData(DnsWriter writer) => writer.Bytes(Address.GetAddressBytes());
}

internal sealed record DnsCnameRecord(string Name, uint Ttl, string Target) : DnsRecord(Name, Ttl)
{
    public override DnsType Type => DnsType.Cname;

    public override void WriteData(DnsWriter writer) => writer.Name(Target);
}

internal sealed record DnsSrvRecord(string Name, uint Ttl, ushort Priority, ushort Weight, ushort Port, string Target) : DnsRecord(Name, Ttl)
{
    public override DnsType Type => DnsType.Srv;

    // RFC 2782: the target is not compressed.
    public override void WriteData(DnsWriter writer)
    {
        writer.U16(Priority);
        writer.U16(Weight);
        writer.U16(Port);
        writer.Name(Target, compress: false);
    }
}

internal sealed record DnsSoaRecord(string Name, uint Ttl, string PrimaryServer, string Mailbox, uint Serial, uint Refresh, uint Retry, uint Expire, uint Minimum) : DnsRecord(Name, Ttl)
{
    public override DnsType Type => DnsType.Soa;

    public override void WriteData(DnsWriter writer)
    {
        writer.Name(PrimaryServer);
        writer.Name(Mailbox);
        writer.U32(Serial);
        writer.U32(Refresh);
        writer.U32(Retry);
        writer.U32(Expire);
        writer.U32(Minimum);
    }
}

/// <summary>What the zone data says about one question: the response code and the three sections.</summary>
internal sealed record DnsAnswer(DnsRcode Rcode, bool Authoritative, IReadOnlyList<DnsRecord> Answers, IReadOnlyList<DnsRecord> Authority, IReadOnlyList<DnsRecord> Additional)
{
    public static DnsAnswer Error(DnsRcode rcode) => new(rcode, false, [], [], []);
}

/// <summary>Writes a message with name compression (RFC 1035 4.1.4).</summary>
internal sealed class DnsWriter
{
    private readonly List<byte> _bytes = [];
    private readonly Dictionary<string, int> _names = new(StringComparer.OrdinalIgnoreCase);

    public int Length => _bytes.Count;

    public byte[] ToArray() => [.. _bytes];

    public void U8(byte value) => _bytes.Add(value);

    public void U16(ushort value)
    {
        _bytes.Add((byte)(value >> 8));
        _bytes.Add((byte)value);
    }

    public void U32(uint value)
    {
        U16((ushort)(value >> 16));
        U16((ushort)value);
    }

    public void Bytes(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            _bytes.Add(b);
        }
    }

    public void SetU16(int offset, ushort value)
    {
        _bytes[offset] = (byte)(value >> 8);
        _bytes[offset + 1] = (byte)value;
    }

    /// <summary>Makes the names of a question written as raw bytes at <paramref name="offset"/> available for compression.</summary>
    public void Remember(string name, int offset)
    {
        var labels = Labels(name);
        var position = offset;
        for (var i = 0; i < labels.Length && position < 0x3FFF; i++)
        {
            _names.TryAdd(string.Join('.', labels[i..]), position);
            position += 1 + Encoding.Latin1.GetByteCount(labels[i]);
        }
    }

    public void Name(string name, bool compress = true)
    {
        var labels = Labels(name);
        for (var i = 0; i < labels.Length; i++)
        {
            var suffix = string.Join('.', labels[i..]);
            if (compress && _names.TryGetValue(suffix, out var pointer))
            {
                U16((ushort)(0xC000 | pointer));
                return;
            }

            if (_bytes.Count < 0x3FFF)
            {
                _names.TryAdd(suffix, _bytes.Count);
            }

            var label = Encoding.Latin1.GetBytes(labels[i]);
            U8((byte)Math.Min(label.Length, 63));
            Bytes(label.AsSpan(0, Math.Min(label.Length, 63)));
        }

        U8(0);
    }

    public void Record(DnsRecord record)
    {
        Name(record.Name);
        U16((ushort)record.Type);
        U16(1);
        U32(record.Ttl);
        var lengthAt = _bytes.Count;
        U16(0);
        record.WriteData(this);
        SetU16(lengthAt, (ushort)(_bytes.Count - lengthAt - 2));
    }

    private static string[] Labels(string name) =>
        name.Length == 0 || name == "." ? [] : name.TrimEnd('.').Split('.');
}

/// <summary>Encodes an answer to a query, truncated to what the transport carries.</summary>
internal static class DnsResponse
{
    /// <summary>The UDP payload size the emulator advertises in its OPT record.</summary>
    public const ushort ServerUdpPayload = 4096;

    /// <summary>
    /// Encodes <paramref name="answer"/>. When it does not fit in <paramref name="maxSize"/>, the additional records go
    /// first (RFC 2181 9: without setting TC); when the answer or authority still does not fit, the message is sent
    /// with TC set and no records, and the client asks again over TCP.
    /// </summary>
    public static byte[] Encode(DnsQuery query, DnsAnswer answer, int maxSize)
    {
        var full = Write(query, answer, answer.Additional, truncated: false);
        if (full.Length <= maxSize)
        {
            return full;
        }

        var withoutAdditional = Write(query, answer, [], truncated: false);
        return withoutAdditional.Length <= maxSize
            ? withoutAdditional
            : Write(query, answer with { Answers = [], Authority = [] }, [], truncated: true);
    }

    /// <summary>An error answer for a message that had a readable header but no usable question.</summary>
    public static byte[] Error(ushort id, DnsRcode rcode)
    {
        var writer = new DnsWriter();
        writer.U16(id);
        writer.U16((ushort)(0x8000 | (int)rcode));
        writer.U16(0);
        writer.U16(0);
        writer.U16(0);
        writer.U16(0);
        return writer.ToArray();
    }

    private static byte[] Write(DnsQuery query, DnsAnswer answer, IReadOnlyList<DnsRecord> additional, bool truncated)
    {
        var writer = new DnsWriter();
        var rcode = (int)answer.Rcode;
        var flags = 0x8000 | (query.Opcode << 11) | (answer.Authoritative ? 0x0400 : 0) | (truncated ? 0x0200 : 0) |
            (query.RecursionDesired ? 0x0100 : 0) | (rcode & 0xF);
        writer.U16(query.Id);
        writer.U16((ushort)flags);
        writer.U16(1);
        writer.U16((ushort)answer.Answers.Count);
        writer.U16((ushort)answer.Authority.Count);
        writer.U16((ushort)(additional.Count + (query.HasEdns ? 1 : 0)));
        if (query.QuestionIsUncompressed)
        {
            writer.Remember(query.Name, writer.Length);
        }

        writer.Bytes(query.RawQuestion.Span);
        foreach (var record in answer.Answers)
        {
            writer.Record(record);
        }

        foreach (var record in answer.Authority)
        {
            writer.Record(record);
        }

        foreach (var record in additional)
        {
            writer.Record(record);
        }

        if (query.HasEdns)
        {
            // OPT: root owner, our payload size as the class, extended rcode and version 0 in the TTL.
            writer.U8(0);
            writer.U16((ushort)DnsType.Opt);
            writer.U16(ServerUdpPayload);
            writer.U32((uint)((rcode >> 4) & 0xFF) << 24);
            writer.U16(0);
        }

        return writer.ToArray();
    }
}
