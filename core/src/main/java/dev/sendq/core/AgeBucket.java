package dev.sendq.core;

/**
 * How long ago a message was enqueued, in doubling buckets like Postfix's {@code qshape}:
 * under 5 minutes, 5-10, 10-20, 20-40, 40-80, 80-160, 160-320 and older. Ages are whole minutes
 * of the engine's clock (see {@link SenderQueue#ages}).
 */
public enum AgeBucket {
    /** 0 to 4 minutes. */
    UNDER_5M(0, 5),
    /** 5 to 9 minutes. */
    M5_10(5, 10),
    /** 10 to 19 minutes. */
    M10_20(10, 20),
    /** 20 to 39 minutes. */
    M20_40(20, 40),
    /** 40 to 79 minutes. */
    M40_80(40, 80),
    /** 80 to 159 minutes. */
    M80_160(80, 160),
    /** 160 to 319 minutes. */
    M160_320(160, 320),
    /** 320 minutes or more. */
    OLDER(320, Long.MAX_VALUE);

    /** The number of buckets. */
    public static final int COUNT = 8;
    private static final AgeBucket[] VALUES = values();

    private final long fromMinutes;
    private final long toMinutes;

    AgeBucket(long fromMinutes, long toMinutes) {
        this.fromMinutes = fromMinutes;
        this.toMinutes = toMinutes;
    }

    /** The youngest age in the bucket, in whole minutes (inclusive). */
    public long fromMinutes() {
        return fromMinutes;
    }

    /** The age where the next bucket starts, in whole minutes (exclusive); {@code Long.MAX_VALUE} for {@link #OLDER}. */
    public long toMinutes() {
        return toMinutes;
    }

    /** The bucket of an age in whole minutes (a negative age, from a clock set back, counts as 0). */
    public static AgeBucket of(long ageMinutes) {
        for (int i = 0; i < COUNT - 1; i++) {
            if (ageMinutes < VALUES[i].toMinutes) {
                return VALUES[i];
            }
        }
        return OLDER;
    }
}
