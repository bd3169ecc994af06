package dev.sendq.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The histogram against a sorted map, through random moves that empty entries at both ends and in the middle. */
class AgeHistogramTest {
    private static final int STATES = AgeHistogram.STATES;

    @Test
    void matchesASortedMapThroughRandomMoves() {
        for (long seed = 1; seed <= 40; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            AgeHistogram h = new AgeHistogram();
            TreeMap<Long, long[]> ref = new TreeMap<>();
            int span = 1 + rnd.nextInt(seed % 2 == 0 ? 20 : 2_000);
            long newest = 1_000;
            for (int step = 0; step < 5_000; step++) {
                int r = rnd.nextInt(10);
                if (r < 4 || ref.isEmpty()) { // a new message, mostly at the newest minute
                    long minute = rnd.nextInt(4) == 0 ? newest - rnd.nextInt(span) : newest++;
                    int to = rnd.nextInt(STATES);
                    h.move(minute, -1, to);
                    ref.computeIfAbsent(minute, k -> new long[STATES])[to]++;
                } else { // move or remove a message that exists, oldest minutes preferred
                    Long minute = rnd.nextBoolean() ? ref.firstKey()
                            : ref.ceilingKey(ref.firstKey() + rnd.nextInt(span + 1));
                    if (minute == null) {
                        minute = ref.lastKey();
                    }
                    long[] c = ref.get(minute);
                    int from = 0;
                    while (c[from] == 0) {
                        from++;
                    }
                    int to = rnd.nextInt(3) == 0 ? rnd.nextInt(STATES) : -1;
                    h.move(minute, from, to);
                    c[from]--;
                    if (to >= 0) {
                        c[to]++;
                    }
                    if (c[0] + c[1] + c[2] + c[3] == 0) {
                        ref.remove(minute);
                    }
                }
                if (step % 97 == 0) {
                    check(h, ref, newest);
                }
            }
            check(h, ref, newest);
        }
    }

    @Test
    void emptyingTheOldestMinuteOfALongSpanIsConstantWork() {
        AgeHistogram h = new AgeHistogram();
        for (long m = 0; m < 10_000; m++) {
            h.move(m, -1, CellCounters.NEW);
        }
        for (long m = 0; m < 9_999; m++) {
            h.move(m, CellCounters.NEW, -1);
            assertThat(h.size()).isEqualTo(10_000 - (int) m - 1);
        }
        assertThat(h.oldestMinute(CellCounters.NEW)).isEqualTo(9_999);
    }

    private static void check(AgeHistogram h, TreeMap<Long, long[]> ref, long now) {
        long[] expected = new long[STATES * AgeBucket.COUNT];
        ref.forEach((minute, c) -> {
            int b = AgeBucket.of(now - minute).ordinal();
            for (int s = 0; s < STATES; s++) {
                expected[s * AgeBucket.COUNT + b] += c[s];
            }
        });
        long[] actual = new long[STATES * AgeBucket.COUNT];
        h.addTo(now, false, actual);
        assertThat(actual).isEqualTo(expected);
        for (int s = 0; s < STATES; s++) {
            long oldest = Long.MAX_VALUE;
            for (var e : ref.entrySet()) {
                if (e.getValue()[s] > 0) {
                    oldest = e.getKey();
                    break;
                }
            }
            assertThat(h.oldestMinute(s)).as("oldest of state %d", s).isEqualTo(oldest);
        }
        assertThat(h.size()).as("entries never outnumber the map's by more than the empty ones in the middle")
                .isGreaterThanOrEqualTo(ref.size());
    }
}
