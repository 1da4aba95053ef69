/** A set of event listeners; one listener that throws never keeps the others (or the emitter) from running. */
export class Listeners<E> {
  private readonly set = new Set<(event: E) => void>();

  /** Adds a listener; returns the function that removes it. */
  add(listener: (event: E) => void): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }

  emit(event: E): void {
    for (const l of this.set) {
      try {
        l(event);
      } catch {
        // a front end's listener must not break the engine or the other listeners
      }
    }
  }

  clear(): void {
    this.set.clear();
  }
}
