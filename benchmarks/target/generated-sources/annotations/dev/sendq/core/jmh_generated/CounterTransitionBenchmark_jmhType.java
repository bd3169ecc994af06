package dev.sendq.core.jmh_generated;
public class CounterTransitionBenchmark_jmhType extends CounterTransitionBenchmark_jmhType_B3 {
}

