package dev.sendq.core.jmh_generated;
public class CounterTransitionBenchmark_Walk_jmhType extends CounterTransitionBenchmark_Walk_jmhType_B3 {
}

