package dev.mosaic.inference.tokenizer;

import java.util.Arrays;

/** Binary min-heap of primitive longs, for merge queues whose entries are packed into one key. */
final class LongHeap {
    private long[] a;
    private int size;

    LongHeap(int capacity) {
        a = new long[Math.max(16, capacity)];
    }

    boolean isEmpty() {
        return size == 0;
    }

    void add(long v) {
        if (size == a.length) {
            a = Arrays.copyOf(a, a.length * 2);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (a[parent] <= v) {
                break;
            }
            a[i] = a[parent];
            i = parent;
        }
        a[i] = v;
    }

    long poll() {
        long top = a[0];
        long last = a[--size];
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            if (child + 1 < size && a[child + 1] < a[child]) {
                child++;
            }
            if (last <= a[child]) {
                break;
            }
            a[i] = a[child];
            i = child;
        }
        a[i] = last;
        return top;
    }
}
