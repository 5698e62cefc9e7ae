using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Observatoire.Api.Tests.Caching;

/// <summary>Counts what the API's meter reports while it is alive (the suite runs one test at a time).</summary>
public sealed class CacheMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _counts = new();
    private readonly ConcurrentQueue<double> _lags = new();

    public CacheMeter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Observatoire.Api") listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => _counts.AddOrUpdate(instrument.Name, value, (_, v) => v + value));
        _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            if (instrument.Name == "observatoire.cache.invalidation_lag") _lags.Enqueue(value);
        });
        _listener.Start();
    }

    public long Hits => _counts.GetValueOrDefault("observatoire.cache.hits");
    public long Misses => _counts.GetValueOrDefault("observatoire.cache.misses");
    public long StaleServed => _counts.GetValueOrDefault("observatoire.cache.stale_served");
    public IReadOnlyCollection<double> Lags => _lags;

    /// <summary>What the counter of this name has added up to.</summary>
    public long Of(string instrument) => _counts.GetValueOrDefault(instrument);

    public void Dispose() => _listener.Dispose();
}
