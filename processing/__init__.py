"""Pure computation: accelerometer samples in, epochs, events, summaries and warnings out.

No I/O and no imports from the other backcoach packages. Entry points:

- `analyze(t_s, acc_g, config)` — batch: a whole recording at once;
- `StreamingPipeline(config).push(t_s, acc_g)` / `.flush()` — live: chunks of any size, giving
  the same epochs and events as the batch run on the concatenated data.
"""
