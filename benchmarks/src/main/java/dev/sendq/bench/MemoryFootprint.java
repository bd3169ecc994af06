package dev.sendq.bench;

import dev.sendq.core.QueueEngine;
import dev.sendq.core.SenderQueue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.info.GraphLayout;

/**
 * Memory per queued message and per cell, measured by walking the object graph with JOL
 * ({@link GraphLayout#totalSize()}: every object reachable from the engine, headers and padding
 * included), as differences between engines that differ only in the number of messages or
 * cells. The same for {@link BaselineQueue}. Also the size of one message object (the one
 * allocation of an enqueue), which the report compares with the lifecycle's allocation.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.sendq.bench.MemoryFootprint [out.json]
 * </pre>
 */
public final class MemoryFootprint {
    private static final String[] ISPS = {"Gmail", "Yahoo", "Microsoft", "Apple", "Other"};

    private MemoryFootprint() {
    }

    /**
     * Prints the figures and, given a path, writes them as JSON.
     *
     * @param args an optional output path
     * @throws IOException            if the output cannot be written
     * @throws ClassNotFoundException if sendq's message class is not on the class path
     */
    public static void main(String[] args) throws IOException, ClassNotFoundException {
        int cells = 100;
        int small = 20_000;
        int large = 120_000;
        double perMessage = (sendq(large, cells) - sendq(small, cells)) / (double) (large - small);
        double baselinePerMessage = (baseline(large, cells) - baseline(small, cells)) / (double) (large - small);
        int fewCells = 1_000;
        int manyCells = 11_000;
        // One message per cell, so that cells exist; the messages' share is taken out.
        double perCell = (sendq(manyCells, manyCells) - sendq(fewCells, fewCells)) / (double) (manyCells - fewCells)
                - perMessage;
        long messageObject = ClassLayout.parseClass(Class.forName("dev.sendq.core.Msg")).instanceSize();
        String json = String.format(Locale.ROOT,
                "{\"method\":\"JOL GraphLayout.totalSize() differences\",\"bytesPerQueuedMessage\":%.1f,"
                        + "\"baselineBytesPerQueuedMessage\":%.1f,\"bytesPerCell\":%.1f,\"messageObjectBytes\":%d}",
                perMessage, baselinePerMessage, perCell, messageObject);
        System.out.printf(Locale.ROOT, "sendq:    %.1f bytes per queued message, %.1f bytes per cell, %d bytes per message object%n",
                perMessage, perCell, messageObject);
        System.out.printf(Locale.ROOT, "baseline: %.1f bytes per queued message%n", baselinePerMessage);
        if (args.length > 0) {
            Files.writeString(Path.of(args[0]), json + "\n", StandardCharsets.UTF_8);
        }
    }

    private static long sendq(int messages, int cells) {
        QueueEngine engine = QueueEngine.builder().build();
        SenderQueue q = engine.addSender(1);
        for (int i = 0; i < messages; i++) {
            int cell = i % cells;
            q.enqueue(i + 1, 1 + cell / 100, cell, ISPS[cell % ISPS.length], null);
        }
        return GraphLayout.parseInstance(engine).totalSize();
    }

    private static long baseline(int messages, int cells) {
        BaselineQueue q = new BaselineQueue();
        for (int i = 0; i < messages; i++) {
            int cell = i % cells;
            q.enqueue(i + 1, 1 + cell / 100, cell, ISPS[cell % ISPS.length]);
        }
        return GraphLayout.parseInstance(q).totalSize();
    }
}
