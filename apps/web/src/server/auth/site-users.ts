/**
 * Who has signed in to the site, for the "not a player" / "in Discord only" marks of people in a
 * room's voice channel (`VoiceMember.signedIn`). A sign-in leaves no server-side trace otherwise
 * (the session is a sealed cookie), so a completed OAuth sign-in records the user's id here. Ids
 * only, no profile or token: the voice channel already shows who they are.
 */
export interface SiteUsers {
  /** A sign-in completed: from now on this user reads as signed in. */
  remember(userId: string): Promise<void>;
  /** Which of these users have ever signed in (as this store knows it). */
  signedIn(userIds: readonly string[]): Promise<ReadonlySet<string>>;
  /** The same answer at once, where the store is in this process (the Gateway's hot path). */
  signedInNow?(userIds: readonly string[]): ReadonlySet<string>;
}

/**
 * One process: a set in memory. A restart forgets it, so until they sign in again the users who
 * signed in before it read "in Discord only" unless they are in the room (its people are known).
 */
export class MemorySiteUsers implements SiteUsers {
  readonly #ids = new Set<string>();

  async remember(userId: string): Promise<void> {
    this.#ids.add(userId);
  }

  async signedIn(userIds: readonly string[]): Promise<ReadonlySet<string>> {
    return this.signedInNow(userIds);
  }

  signedInNow(userIds: readonly string[]): ReadonlySet<string> {
    return new Set(userIds.filter((id) => this.#ids.has(id)));
  }
}
