package dev.parley.loadtest;

import java.lang.management.ManagementFactory;

/** This process's CPU time, for telling when the generator itself is the bottleneck. */
final class ProcessCpu {
    private ProcessCpu() {
    }

    /** CPU time used so far by all of this process's threads, or -1 where the JVM does not report it. */
    static long nanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }

    /** The CPU used between two readings over {@code wallNanos}, in per cent of the cores this process may use. */
    static RunResult.CpuLoad between(long cpuBefore, long cpuAfter, long wallNanos) {
        if (cpuBefore < 0) {
            return RunResult.CpuLoad.UNKNOWN;
        }
        return RunResult.CpuLoad.of(cpuAfter - cpuBefore, wallNanos, Runtime.getRuntime().availableProcessors());
    }
}
