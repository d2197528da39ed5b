/** Who is on each topic: a set per topic, dropped when its last member leaves (10k idle connections carry no empty sets). */
export class TopicMembers<T> {
  readonly #sets = new Map<string, Set<T>>();

  get(topic: string): ReadonlySet<T> | undefined {
    return this.#sets.get(topic);
  }

  /** How many are on the topic now, with this one. */
  add(topic: string, member: T): number {
    let set = this.#sets.get(topic);
    if (!set) this.#sets.set(topic, (set = new Set()));
    set.add(member);
    return set.size;
  }

  /** How many are left on the topic, or null when this one was not on it. */
  remove(topic: string, member: T): number | null {
    const set = this.#sets.get(topic);
    if (!set?.delete(member)) return null;
    if (set.size === 0) this.#sets.delete(topic);
    return set.size;
  }
}
