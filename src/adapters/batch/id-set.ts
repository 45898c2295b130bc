/**
 * Duplicate detection for item ids at create, in little memory: an
 * open-addressing table of 32-bit id hashes and ordinals (8 bytes a slot),
 * where a Set of a million id strings would hold 60 MB or more. A hash match
 * is confirmed by comparing the ids themselves (`idAt` reads the earlier one).
 */
export class IdSet {
  private hashes = new Int32Array(1 << 16);
  /** Ordinal + 1 per slot; 0 marks an empty slot. */
  private ordinals = new Int32Array(1 << 16);
  private size = 0;

  constructor(private readonly idAt: (ordinal: number) => string | Promise<string>) {}

  /**
   * Adds `id` at `ordinal`; returns the ordinal of an earlier equal id instead, if any. Answers at
   * once unless a hash matches an id that must be read back from the store; await it before the next add.
   */
  add(id: string, ordinal: number): number | undefined | Promise<number | undefined> {
    if ((this.size + 1) * 2 > this.ordinals.length) this.grow();
    const hash = fnv1a(id);
    return this.probe(id, ordinal, hash, hash & (this.ordinals.length - 1));
  }

  private probe(id: string, ordinal: number, hash: number, from: number): number | undefined | Promise<number | undefined> {
    const mask = this.ordinals.length - 1;
    let slot = from;
    while (this.ordinals[slot] !== 0) {
      if (this.hashes[slot] === hash) {
        const earlier = this.ordinals[slot]! - 1;
        const other = this.idAt(earlier);
        const next = (slot + 1) & mask;
        if (other instanceof Promise) return other.then((found) => (found === id ? earlier : this.probe(id, ordinal, hash, next)));
        if (other === id) return earlier;
      }
      slot = (slot + 1) & mask;
    }
    this.hashes[slot] = hash;
    this.ordinals[slot] = ordinal + 1;
    this.size++;
    return undefined;
  }

  private grow(): void {
    const hashes = this.hashes;
    const ordinals = this.ordinals;
    this.hashes = new Int32Array(hashes.length * 2);
    this.ordinals = new Int32Array(ordinals.length * 2);
    const mask = this.ordinals.length - 1;
    for (let i = 0; i < ordinals.length; i++) {
      if (ordinals[i] === 0) continue;
      let slot = hashes[i]! & mask;
      while (this.ordinals[slot] !== 0) slot = (slot + 1) & mask;
      this.hashes[slot] = hashes[i]!;
      this.ordinals[slot] = ordinals[i]!;
    }
  }
}

/** FNV-1a over UTF-16 code units, 32-bit. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}
