/**
 * Which job (top actor) an actor belongs to. Step events name the actor, not
 * its job; the record does, but reading it costs a decode. Spawn events tell
 * the parent, so most roots are known without reading anything; the rest are
 * read once and remembered, in a bounded map (oldest forgotten first).
 */
import type { Runtime } from '../../runtime/runtime.js';

export class ActorRoots {
  private readonly roots = new Map<string, string>();

  constructor(
    private readonly runtime: Runtime,
    private readonly maxEntries = 100_000,
  ) {}

  /** A spawn event: the child's root is its parent's, when known (else read at the next tick). */
  spawned(id: string, parent: string | undefined): void {
    const root = parent === undefined ? id : this.roots.get(parent);
    if (root !== undefined) this.remember(id, root);
  }

  /** The actor's root, or undefined when it no longer exists (or does not decode). */
  async of(id: string): Promise<string | undefined> {
    const known = this.roots.get(id);
    if (known !== undefined) return known;
    let root: string | undefined;
    try {
      root = (await this.runtime.listedActor(id))?.root;
    } catch {
      return undefined;
    }
    if (root !== undefined) this.remember(id, root);
    return root;
  }

  private remember(id: string, root: string): void {
    if (this.roots.size >= this.maxEntries) {
      const oldest = this.roots.keys().next();
      if (!oldest.done) this.roots.delete(oldest.value);
    }
    this.roots.set(id, root);
  }
}
