/**
 * A Map that forgets its oldest entries beyond `limit`: setting a key again makes it the newest, so
 * re-setting on use keeps the most recently used ones.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(readonly limit: number) {
    super();
  }

  override set(key: K, value: V): this {
    this.delete(key);
    super.set(key, value);
    if (this.size > this.limit) this.delete(this.keys().next().value as K);
    return this;
  }
}
