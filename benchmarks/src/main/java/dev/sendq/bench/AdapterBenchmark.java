package dev.sendq.bench;

import dev.sendq.api.ApiRequest;
import dev.sendq.api.ApiResponse;
import dev.sendq.api.SendqApi;
import dev.sendq.api.TokenStore;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.SenderQueue;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The adapter from request bytes to response bytes: parsing, token check, the stats query and
 * writing the documented envelope, in JSON and in XML, for answers of 1, 100 and 1,000 rows
 * ({@code group=account_campaign} over a sender with that many campaigns).
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar AdapterBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AdapterBenchmark {

    /** The answer formats. */
    public enum Format { JSON, XML }

    /** An API over a sender with {@code rows} campaigns. */
    @State(Scope.Benchmark)
    public static class Api {
        @Param({"1", "100", "1000"})
        int rows;

        @Param
        Format format;

        SendqApi api;
        ApiRequest request;

        @Setup(Level.Trial)
        public void setUp() {
            QueueEngine engine = QueueEngine.builder().build();
            SenderQueue q = engine.addSender(119);
            long id = 1;
            for (int c = 1; c <= rows; c++) {
                for (int i = 0; i < 3; i++) {
                    q.enqueue(id++, 306, c, i == 0 ? "Gmail" : "Yahoo", null);
                }
            }
            api = SendqApi.create(engine, TokenStore.parse("abcdefghijklmnqrstuvwxyz=*"));
            String body = format == Format.JSON
                    ? "{\"token\":\"abcdefghijklmnqrstuvwxyz\",\"id\":119,\"group\":\"account_campaign\"}"
                    : "<xml><token>abcdefghijklmnqrstuvwxyz</token><id>119</id><group>account_campaign</group></xml>";
            request = ApiRequest.post(SendqApi.STATS_PATH,
                    format == Format.JSON ? "application/json" : "application/xml",
                    body.getBytes(StandardCharsets.UTF_8));
            ApiResponse r = api.handle(request);
            if (r.status() != 200) {
                throw new IllegalStateException("benchmark request refused: " + r.bodyText());
            }
        }
    }

    /** One request, bytes in, bytes out. */
    @Benchmark
    public byte[] handle(Api a) {
        return a.api.handle(a.request).body();
    }
}
