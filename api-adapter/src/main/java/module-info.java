/**
 * sendq's API adapter: the documented "Get sender queue information" request, answered as JSON
 * or XML from the core engine's counters, its siblings Clear, Hold and Release sender queue, and
 * our extensions (hold rules with reasons, labels, expiry and impact; queue age; retry reasons;
 * rate limits), with a binding on the JDK's HTTP server, an operator dashboard that the binding
 * (or any server) can serve next to the handler, and a demo; and sendq's counters for
 * monitoring systems: a Prometheus collector and {@code /metrics} route
 * ({@code dev.sendq.api.prometheus}) and a Micrometer binder ({@code dev.sendq.api.micrometer}).
 *
 * <p>The Prometheus client and Micrometer are optional ({@code requires static}): an application
 * that uses neither package needs neither library, and nothing else in this module loads them.
 * The Prometheus model and Micrometer are also {@code transitive}, since
 * {@code SendqCollector} is a {@code MultiCollector} and {@code SendqMeterBinder} a
 * {@code MeterBinder}; both are automatic modules, a warning suppressed here on purpose.
 */
@SuppressWarnings("requires-transitive-automatic")
module dev.sendq.api {
    requires transitive dev.sendq.core;
    requires tools.jackson.core;
    requires tools.jackson.databind;
    requires tools.jackson.dataformat.xml;
    requires jdk.httpserver;
    requires java.xml;

    requires static transitive io.prometheus.metrics.model;
    requires static io.prometheus.metrics.config;
    requires static io.prometheus.writer.text;
    requires static transitive micrometer.core;

    exports dev.sendq.api;
    exports dev.sendq.api.metrics;
    exports dev.sendq.api.prometheus;
    exports dev.sendq.api.micrometer;
}
