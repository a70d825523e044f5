// Group commit: what many pairs ask of the database at about the same time goes in one
// transaction. Items submitted while a write is under way wait for it and then go together in
// the next one, so under load a write carries many pairs, and alone a pair waits for nobody.
// A write that fails for a reason of its own (not the database's: a bug, a row that surprised it)
// is retried item by item, so one pair's problem is never another's.

interface Waiting<I, O> {
  item: I;
  resolve: (out: O) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<I, O> {
  private waiting: Waiting<I, O>[] = [];
  private draining = false;

  /**
   * @param write writes a batch; one result per item, in order.
   * @param perItem whether a batch that failed with this error is retried one item at a time
   *   (false for a storage fault: every item would fail the same way).
   */
  constructor(
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly perItem: (error: unknown) => boolean,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.draining) return;
      this.draining = true;
      // After the event loop's current turn: the items submitted by every answer that came in
      // during it go together (on SQLite a write never yields to the event loop, so without this
      // each pair would still get a transaction of its own).
      setTimeout(() => void this.drain(), 2);
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) await this.run(this.waiting.splice(0));
    } finally {
      this.draining = false;
    }
  }

  private async run(batch: Waiting<I, O>[]): Promise<void> {
    let out: O[];
    try {
      out = await this.write(batch.map((w) => w.item));
    } catch (error) {
      if (batch.length === 1 || !this.perItem(error)) {
        for (const w of batch) w.reject(error);
        return;
      }
      for (const w of batch) await this.run([w]);
      return;
    }
    batch.forEach((w, i) => w.resolve(out[i]!));
  }
}
