package dev.sendq.core;

import it.unimi.dsi.fastutil.ints.IntArrays;
import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A sender's cells in creation order, with what every O(cells) query reads of each laid out
 * densely, column by column, in blocks: the counters, the held flag, the account and campaign
 * ids and the cell's group under each {@link Grouping} (an ordinal: the account's, the
 * (account, campaign)'s and the ISP's, numbered in order of first appearance).
 *
 * <p>Why: a query over 100,000 cells that follows a pointer to each cell object, scattered
 * among a million messages, spends most of its time on cache and TLB misses. Here it streams a
 * few arrays in order (about 90 bytes per cell), and groups by indexing flat arrays with the
 * ordinals, with no hashing per cell. The rows' order (account, campaign, ISP name) over the
 * ordinals is sorted once and kept until new groups appear.
 *
 * <p>One writer, the holder of the sender's lock, adds cells; any thread reads. Blocks never
 * move once made (a counter is updated in place, lock-free, for the cell's whole life), so the
 * first ones are small (8 cells) and each is twice the last, up to {@link #MAX_BLOCK}: a sender
 * with one cell does not pay for a thousand.
 */
final class CellIndex {
    /*
     * Publication: the writer fills a cell's block entries and its group keys (growing a key array
     * means copying it and storing the copy in a volatile field), then the ordinal counts, then
     * `size` (volatile). A reader reads `size` first, then the counts, then the arrays: it sees at
     * least everything the first `size` cells need. Counters, stripes and the held flag are
     * written after publication too, by anyone, through their own atomic accesses.
     */
    static final int FIRST_BLOCK = 8;
    static final int MAX_BLOCK = 1024;
    /** Cells in the growing blocks 0..6 (8 + 16 + ... + 512); blocks from 7 on hold 1,024 each. */
    private static final int GROWING = 1016;
    private static final int GROWING_BLOCKS = 7;

    private static final VarHandle HELD = MethodHandles.arrayElementVarHandle(byte[].class);
    private static final Comparator<String> ISP_ORDER =
            String.CASE_INSENSITIVE_ORDER.thenComparing(Comparator.naturalOrder());

    /** Cells {@code [first, first + capacity)}, column by column. */
    static final class Block {
        final int first;
        final int capacity;
        /** The cells' own counter stripe: cell j's slot s at {@code j * SLOTS + s}. */
        final long[] counts;
        /** Cell j's per-thread stripes once it inflated (see {@link CellCounters}); volatile. */
        final long[][] stripes;
        /** 1 while a hold rule holds cell j; volatile. */
        final byte[] held;
        /** Cell j's RETRY messages by reason at {@code j * Cell.REASON_COUNT + reason} (see {@link Cell}). */
        final long[] reasons;
        final Cell[] cells;
        final int[] account;
        final int[] campaign;
        /** Cell j's group ordinal under ACCOUNT, ACCOUNT_CAMPAIGN and ISP. */
        final int[] accountOrd;
        final int[] campaignOrd;
        final int[] ispOrd;
        /** Whether some cell of the block has stripes: while not, readers skip looking. */
        private volatile boolean anyInflated;

        Block(int first, int capacity) {
            this.first = first;
            this.capacity = capacity;
            counts = new long[capacity * CellCounters.SLOTS];
            stripes = new long[capacity][];
            held = new byte[capacity];
            reasons = new long[capacity * Cell.REASON_COUNT];
            cells = new Cell[capacity];
            account = new int[capacity];
            campaign = new int[capacity];
            accountOrd = new int[capacity];
            campaignOrd = new int[capacity];
            ispOrd = new int[capacity];
        }

        boolean anyInflated() {
            return anyInflated;
        }

        /** A cell of the block published its stripes (before its writers use them). */
        void markInflated() {
            anyInflated = true;
        }

        boolean held(int j) {
            return (byte) HELD.getVolatile(held, j) != 0;
        }

        void setHeld(int j, boolean h) {
            HELD.setVolatile(held, j, (byte) (h ? 1 : 0));
        }

        /** The cells' ordinals under {@code g}, or {@code null} for TOTAL (one group, ordinal 0). */
        int[] ordinals(Grouping g) {
            return switch (g) {
                case TOTAL -> null;
                case ACCOUNT -> accountOrd;
                case ACCOUNT_CAMPAIGN -> campaignOrd;
                case ISP -> ispOrd;
            };
        }
    }

    private volatile Block[] blocks = new Block[4];
    private volatile int size;

    /** Ordinals of accounts (by id) and of campaigns (by {@link CellTable#key}), for ACCOUNT and ACCOUNT_CAMPAIGN. */
    private final Ordinals accounts = new Ordinals();
    private final Ordinals campaigns = new Ordinals();
    // The ISPs' ordinals: the writer's map, and the names by ordinal for readers.
    private final Object2IntOpenHashMap<String> ispOrds = new Object2IntOpenHashMap<>();
    private volatile String[] ispOf = new String[8];
    private volatile int isps;

    /** The row order of each grouping's ordinals, as last sorted (maybe fewer than there are now). */
    private volatile int[] accountOrder = new int[0];
    private volatile int[] campaignOrder = new int[0];
    private volatile int[] ispOrder = new int[0];

    /**
     * Ordinals of {@code long} keys, in order of first appearance: the writer's map, and the keys
     * by ordinal for readers (a full array is copied and the copy stored; then the count).
     */
    private static final class Ordinals {
        private final Long2IntOpenHashMap byKey = new Long2IntOpenHashMap();
        private volatile long[] keys = new long[8];
        private volatile int count;

        Ordinals() {
            byKey.defaultReturnValue(-1);
        }

        /** The key's ordinal, a new one if it is new; the writer only. */
        int of(long key) {
            int o = byKey.get(key);
            if (o < 0) {
                o = count;
                long[] k = keys;
                if (o == k.length) {
                    k = Arrays.copyOf(k, o * 2);
                }
                k[o] = key;
                keys = k;
                byKey.put(key, o);
                count = o + 1;
            }
            return o;
        }

        /** The row order of the first {@code n} ordinals: by key. */
        int[] sorted(int n) {
            long[] k = keys;
            int[] o = identity(n);
            IntArrays.quickSort(o, (a, b) -> Long.compare(k[a], k[b]));
            return o;
        }
    }

    CellIndex() {
        ispOrds.defaultReturnValue(-1);
    }

    private static int[] longer(int[] kept, int[] fresh) {
        return fresh.length > kept.length ? fresh : kept;
    }

    private static int[] identity(int n) {
        int[] o = new int[n];
        for (int i = 0; i < n; i++) {
            o[i] = i;
        }
        return o;
    }

    /** How many cells are published; read it before {@link #blocks()} and the keys. */
    int size() {
        return size;
    }

    /** The blocks; those past the last published cell may be empty or {@code null}. */
    Block[] blocks() {
        return blocks;
    }

    /** Published cell {@code i} (< {@link #size()}); any thread. */
    Cell cell(int i) {
        int b = blockOf(i);
        return blocks[b].cells[i - first(b)];
    }

    /** The block that holds cell {@code i}. */
    static int blockOf(int i) {
        return i < GROWING
                ? 31 - Integer.numberOfLeadingZeros((i >>> 3) + 1)
                : GROWING_BLOCKS + ((i - GROWING) >>> 10);
    }

    /** The index of block {@code b}'s first cell. */
    static int first(int b) {
        return b < GROWING_BLOCKS ? FIRST_BLOCK * ((1 << b) - 1) : GROWING + (b - GROWING_BLOCKS) * MAX_BLOCK;
    }

    private static int capacity(int b) {
        return b < GROWING_BLOCKS ? FIRST_BLOCK << b : MAX_BLOCK;
    }

    /**
     * The block the next cell goes into, made if needed; under the sender's lock. The next cell
     * is at {@link #nextAt()} in it. A cell made there and then dropped unpublished (a refused
     * duplicate) leaves its place to the next one, which overwrites what it wrote.
     */
    Block nextBlock() {
        int b = blockOf(size);
        Block[] arr = blocks;
        if (b == arr.length) {
            arr = Arrays.copyOf(arr, b * 2);
        }
        if (arr[b] == null) {
            arr[b] = new Block(first(b), capacity(b));
            blocks = arr; // volatile: publishes the new block (readers only go up to size anyway)
        }
        return arr[b];
    }

    /** The place of the next cell in {@link #nextBlock()}. */
    int nextAt() {
        return size - first(blockOf(size));
    }

    /**
     * Publishes a cell made in {@link #nextBlock()} at {@link #nextAt()}: fills its keys and
     * ordinals, then counts it; under the sender's lock.
     */
    void add(Cell c) {
        Block b = c.block;
        int j = c.at;
        if (b.first + j != size) {
            throw new IllegalStateException("cell made for place " + (b.first + j) + ", next is " + size);
        }
        b.cells[j] = c;
        b.account[j] = c.accountId;
        b.campaign[j] = c.campaignId;
        b.accountOrd[j] = accounts.of(c.accountId);
        b.campaignOrd[j] = campaigns.of(CellTable.key(c.accountId, c.campaignId));
        b.ispOrd[j] = ispOrdinal(c.isp);
        size = size + 1; // volatile: publishes the cell
    }

    private int ispOrdinal(String isp) {
        int o = ispOrds.getInt(isp);
        if (o < 0) {
            o = isps;
            String[] keys = ispOf;
            if (o == keys.length) {
                keys = Arrays.copyOf(keys, o * 2);
            }
            keys[o] = isp;
            ispOf = keys;
            ispOrds.put(isp, o);
            isps = o + 1;
        }
        return o;
    }

    /**
     * Whether the cell at place {@code j} of {@code b} passes a filter: its account and campaign
     * (0 = any) and, unless {@code isps} is {@code null}, its ISP (by ordinal, as
     * {@link #matchIsps} marks them). Reads the dense ids only.
     */
    static boolean selected(Block b, int j, int account, int campaign, boolean[] isps) {
        return (account == 0 || b.account[j] == account) && (campaign == 0 || b.campaign[j] == campaign)
                && (isps == null || isps[b.ispOrd[j]]);
    }

    /**
     * The published cells {@code s} selects, in creation order, found from the dense ids: a cell
     * it does not select is never touched, so holding one campaign among 100,000 cells reads
     * the id columns and that campaign's cells only. Any thread.
     */
    List<Cell> select(Selector s) {
        int n = size; // first: the blocks and ordinals read after it cover n cells
        Block[] bs = blocks;
        boolean[] isps = null;
        if (!s.isp().isEmpty()) {
            int count = this.isps;
            isps = new boolean[count];
            if (matchIsps(s.isp(), count, isps) == null) {
                return List.of(); // no cell has the ISP
            }
        }
        List<Cell> out = new ArrayList<>();
        for (Block b : bs) {
            if (b == null || b.first >= n) {
                break;
            }
            for (int j = 0, m = Math.min(b.capacity, n - b.first); j < m; j++) {
                if (selected(b, j, s.accountId(), s.campaignId(), isps)) {
                    out.add(b.cells[j]);
                }
            }
        }
        return out;
    }

    /** How many groups {@code g} has over the published cells (at least; read after size). */
    int groups(Grouping g) {
        return switch (g) {
            case TOTAL -> 1;
            case ACCOUNT -> accounts.count;
            case ACCOUNT_CAMPAIGN -> campaigns.count;
            case ISP -> isps;
        };
    }

    /** The account id of an ACCOUNT or ACCOUNT_CAMPAIGN ordinal. */
    int accountOf(Grouping g, int ordinal) {
        return g == Grouping.ACCOUNT ? (int) accounts.keys[ordinal] : (int) (campaigns.keys[ordinal] >>> 32);
    }

    /** The campaign id of an ACCOUNT_CAMPAIGN ordinal. */
    int campaignOf(int ordinal) {
        return (int) campaigns.keys[ordinal];
    }

    /** The ISP name of an ISP ordinal. */
    String ispOf(int ordinal) {
        return ispOf[ordinal];
    }

    /**
     * Which ISP ordinals {@code isp} selects (case-insensitively) among the first {@code n},
     * into {@code out}; returns the first such name (the canonical one, in an engine), or
     * {@code null} if none.
     */
    String matchIsps(String isp, int n, boolean[] out) {
        String[] keys = ispOf;
        String first = null;
        for (int o = 0; o < n; o++) {
            String k = keys[o];
            out[o] = k == isp || k.equalsIgnoreCase(isp);
            if (out[o] && first == null) {
                first = k;
            }
        }
        return first;
    }

    /**
     * The first {@code groups} ordinals of {@code g} in row order (account id, campaign id, ISP
     * name): an array that may be longer, holding later ordinals too, which the caller skips.
     * Sorted at most once per new group: kept until a query needs more ordinals than it has.
     */
    int[] order(Grouping g, int groups) {
        int[] o = switch (g) {
            case TOTAL -> null;
            case ACCOUNT -> accountOrder;
            case ACCOUNT_CAMPAIGN -> campaignOrder;
            case ISP -> ispOrder;
        };
        if (o != null && o.length >= groups) {
            return o;
        }
        // Two queries may sort at once; each keeps the longer order, so a slower one with fewer
        // groups does not replace a newer one (a lost store only costs a later query a sort).
        switch (g) {
            case TOTAL -> { }
            case ACCOUNT -> accountOrder = longer(accountOrder, o = accounts.sorted(groups));
            case ACCOUNT_CAMPAIGN -> campaignOrder = longer(campaignOrder, o = campaigns.sorted(groups));
            case ISP -> {
                String[] keys = ispOf;
                o = identity(groups);
                IntArrays.quickSort(o, (a, b) -> ISP_ORDER.compare(keys[a], keys[b]));
                ispOrder = longer(ispOrder, o);
            }
        }
        return o;
    }
}
