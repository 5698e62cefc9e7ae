using System.Threading.Channels;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Timeouts;
using Npgsql;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// The exports reading from the database at once (a ConcurrencyLimiter: RequestBudgets:ConcurrentExports, with a
/// short queue), and the disk their spools use together.
/// </summary>
public sealed class ExportSlots(RequestBudgetSettings settings) : IDisposable
{
    private long _spooled;

    public ConcurrencyLimiter Limiter { get; } = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = settings.ConcurrentExports,
        QueueLimit = settings.ExportQueue,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    public TimeSpan DatabaseBudget { get; } = TimeSpan.FromSeconds(settings.ExportSeconds);

    public bool SpoolFull => Interlocked.Read(ref _spooled) >= settings.SpoolMegabytes * 1024L * 1024L;

    internal void Spooled(long bytes) => Interlocked.Add(ref _spooled, bytes);

    public void Dispose() => Limiter.Dispose();
}

/// <summary>
/// Runs an export so that no client, however slow, holds a database connection (docs/decisions/0022): the rows are
/// written, as fast as the database gives them, to a spool file (deleted when done), and the client reads the spool
/// at its own pace. The connection and the export slot are released when the last row is spooled, at most
/// RequestBudgets:ExportSeconds after the start. The answer starts once the first bytes are spooled, so that a
/// failure before them is still an error status; a failure after them aborts the response (the client sees a
/// truncated chunked body, never a complete-looking one) and is logged.
/// </summary>
public static class ExportSpool
{
    private const int ChunkBytes = 64 * 1024;

    public static async Task SendAsync(HttpContext context, NpgsqlDataSource db, Action<HttpResponse> start,
        Func<NpgsqlConnection, Stream, CancellationToken, Task> produce)
    {
        var slots = context.RequestServices.GetRequiredService<ExportSlots>();
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ExportSpool));
        if (slots.SpoolFull)
        {
            await RequestBudgets.Unavailable(context, "Too many exports are being delivered; retry later.");
            return;
        }
        var slot = await slots.Limiter.AcquireAsync(1, context.RequestAborted);
        if (!slot.IsAcquired)
        {
            slot.Dispose();
            await RequestBudgets.Unavailable(context, "Too many exports are being prepared; retry later.");
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        stop.CancelAfter(slots.DatabaseBudget);
        await using var spool = new Spool(slots);
        var producing = ProduceAsync(db, spool, slot, produce, slots.DatabaseBudget, stop.Token);
        try
        {
            // Until the first bytes, a failure (or the request's time budget running out) is still an error answer.
            if (!await spool.WaitAsync(0, context.RequestAborted)) await producing;
            start(context.Response);
            context.Features.Get<IHttpRequestTimeoutFeature>()?.DisableTimeout();
            await spool.CopyToAsync(context.Response.Body, context.RequestAborted);
            try
            {
                await producing;
            }
            catch (Exception error) when (!context.RequestAborted.IsCancellationRequested)
            {
                if (error is OperationCanceledException)
                {
                    logger.LogWarning("Export {Path} exceeded its database budget of {Seconds} s after {Bytes} bytes; the response is aborted",
                        context.Request.Path, slots.DatabaseBudget.TotalSeconds, spool.Length);
                }
                else
                {
                    logger.LogError(error, "Export {Path} failed after {Bytes} bytes; the response is aborted", context.Request.Path, spool.Length);
                }
                context.Abort();
            }
        }
        finally
        {
            await stop.CancelAsync();
            await producing.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private static async Task ProduceAsync(NpgsqlDataSource db, Spool spool, RateLimitLease slot,
        Func<NpgsqlConnection, Stream, CancellationToken, Task> produce, TimeSpan budget, CancellationToken ct)
    {
        await Task.Yield();
        try
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            // An export's statement may run as long as the export's own budget, not the role's short statement_timeout;
            // set local, so that the pooled connection goes back with the role's setting.
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using (var timeout = new NpgsqlCommand($"set local statement_timeout = {(long)budget.TotalMilliseconds}", connection, transaction))
            {
                await timeout.ExecuteNonQueryAsync(ct);
            }
            await produce(connection, spool.Writer, ct);
            await transaction.CommitAsync(ct);
        }
        finally
        {
            slot.Dispose();
            spool.Complete();
        }
    }

    /// <summary>A file written by the export and read by the response at the same time; only the written length is shared.</summary>
    private sealed class Spool : IAsyncDisposable
    {
        private readonly ExportSlots _slots;
        private readonly FileStream _file;
        private readonly FileStream _reader;
        private readonly Channel<bool> _written = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        private long _length;
        private volatile bool _complete;

        public Spool(ExportSlots slots)
        {
            _slots = slots;
            var path = Path.Combine(Path.GetTempPath(), $"observatoire-export-{Guid.NewGuid():N}.spool");
            // Unbuffered: every write reaches the file before its length is published to the reader.
            _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete, 0, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            _reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 0, FileOptions.Asynchronous);
            Writer = new SpoolWriter(this);
        }

        public Stream Writer { get; }

        public long Length => Interlocked.Read(ref _length);

        public void Complete()
        {
            _complete = true;
            _written.Writer.TryWrite(true);
        }

        /// <summary>Waits until more than <paramref name="position"/> bytes are spooled (true) or the export ended (false).</summary>
        public async Task<bool> WaitAsync(long position, CancellationToken ct)
        {
            while (true)
            {
                var complete = _complete;
                if (Length > position) return true;
                if (complete) return false;
                await _written.Reader.ReadAsync(ct);
            }
        }

        public async Task CopyToAsync(Stream body, CancellationToken ct)
        {
            var buffer = new byte[ChunkBytes];
            long position = 0;
            while (await WaitAsync(position, ct))
            {
                var read = await _reader.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, Length - position)), ct);
                position += read;
                await body.WriteAsync(buffer.AsMemory(0, read), ct);
            }
        }

        private void Wrote(int count)
        {
            Interlocked.Add(ref _length, count);
            _slots.Spooled(count);
            _written.Writer.TryWrite(true);
        }

        public async ValueTask DisposeAsync()
        {
            _slots.Spooled(-Length);
            await _file.DisposeAsync();
            await _reader.DisposeAsync();
        }

        private sealed class SpoolWriter(Spool spool) : Stream
        {
            public override bool CanRead => false;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => spool.Length;
            public override long Position { get => spool.Length; set => throw new NotSupportedException(); }

            public override void Write(byte[] buffer, int offset, int count)
            {
                spool._file.Write(buffer, offset, count);
                spool.Wrote(count);
            }

            public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
            {
                await spool._file.WriteAsync(buffer, ct);
                spool.Wrote(buffer.Length);
            }

            public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
                WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

            public override void Flush() { }
            public override Task FlushAsync(CancellationToken ct) => Task.CompletedTask;
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
        }
    }
}
