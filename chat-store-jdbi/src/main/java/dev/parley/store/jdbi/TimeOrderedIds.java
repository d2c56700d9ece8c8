package dev.parley.store.jdbi;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Time-ordered UUIDs (version 7 of RFC 9562): 48 bits of Unix milliseconds, then 74 random bits.
 * Ids made close in time sort close together, so each append adds its key at the right edge of the
 * primary-key index instead of on a random page: a batch dirties one leaf page instead of one per
 * row, which is less to write back (SQLite logs every page a commit changes; PostgreSQL logs a
 * full image of each page it first touches after a checkpoint).
 *
 * <p>The random bits come from {@link ThreadLocalRandom}: ids need to be unique, not secret (every
 * read of a message checks that the reader is a participant), and the primary key rejects the
 * practically impossible collision rather than storing it.
 */
final class TimeOrderedIds {
    private TimeOrderedIds() {
    }

    static String next(long epochMillis) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (epochMillis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
        long low = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(high, low).toString();
    }
}
