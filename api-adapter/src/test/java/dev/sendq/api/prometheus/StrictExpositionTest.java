package dev.sendq.api.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The test parser is as strict as the parse-back tests need it to be: it refuses what a Prometheus server would. */
class StrictExpositionTest {
    private static final String GOOD_OM = """
            # TYPE a_messages gauge
            # UNIT a_messages messages
            # HELP a_messages Some \\"help\\".
            a_messages{x="1",y="q\\"\\\\\\n"} 3.0
            a_messages 4
            # TYPE b counter
            b_total{x="1"} 5.0
            # EOF
            """;

    @Test
    void aWellFormedScrapeParsesToItsValuesAndLabels() {
        StrictExposition.Scrape s = StrictExposition.openMetrics(GOOD_OM);
        assertThat(s.value("a_messages", "x", "1", "y", "q\"\\\n")).isEqualTo(3);
        assertThat(s.value("a_messages")).isEqualTo(4);
        assertThat(s.value("b_total", "x", "1")).isEqualTo(5);
        assertThat(s.families().get("a_messages").help()).isEqualTo("Some \"help\".");
        assertThat(s.families().get("b").type()).isEqualTo("counter");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "a 1\n# EOF\n",                                              // sample before TYPE
        "# TYPE b counter\nb 1\n# EOF\n",                             // counter without _total
        "# TYPE a gauge\na{x=\"1\"} 1\na{x=\"1\"} 2\n# EOF\n",        // duplicate series
        "# TYPE a gauge\na{x=\"1\",x=\"2\"} 1\n# EOF\n",              // label twice
        "# TYPE a gauge\na{x=\"\\t\"} 1\n# EOF\n",                    // bad escape
        "# TYPE a gauge\na 1\n",                                       // no EOF
        "# TYPE a gauge\na 1\n# EOF\na 2\n",                           // after EOF
        "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\n# EOF\n", // family twice
        "# TYPE a gauge\n# UNIT a seconds\na 1\n# EOF\n",             // unit not a suffix
        "# TYPE a gauge\na 1\n# EOF",                                  // no final newline
        "# TYPE a gauge\n\na 1\n# EOF\n",                              // blank line
        "# TYPE a gauge\na{x=\"1\",} 1\n# EOF\n",                     // trailing comma
        "# TYPE a gauge\na one\n# EOF\n",                              // bad value
        "# TYPE 1a gauge\n# EOF\n",                                    // bad metric name
    })
    void malformedOpenMetricsIsRefused(String body) {
        assertThatThrownBy(() -> StrictExposition.openMetrics(body)).isInstanceOf(AssertionError.class);
    }

    @Test
    void theTextFormatHasNoUnitNoEofAndCountersKeepTheirName() {
        assertThat(StrictExposition.text("# TYPE b_total counter\nb_total 2\n").value("b_total")).isEqualTo(2);
        assertThatThrownBy(() -> StrictExposition.text("# TYPE a gauge\n# UNIT a a\na 1\n"))
                .isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> StrictExposition.text("# TYPE a gauge\na 1\n# EOF\n"))
                .isInstanceOf(AssertionError.class);
    }
}
