package dev.sendq.core.jmh_generated;
public class CounterTransitionBenchmark_Cells_jmhType extends CounterTransitionBenchmark_Cells_jmhType_B3 {
}

