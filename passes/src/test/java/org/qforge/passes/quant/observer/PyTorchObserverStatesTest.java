package org.qforge.passes.quant.observer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.qforge.ir.DType;
import org.qforge.ir.Tensor;
import org.qforge.passes.quant.Qscheme;

/**
 * Ground truth: the observer states PyTorch recorded after calibrating the reference models with the
 * XNNPACK symmetric config ({@code ../shared/reference}). Everything is compared exactly: histogram
 * bins, min/max, the L2 search result, scales (as float32) and zero points.
 *
 * <p>What can be reproduced without the rest of the pipeline: observers that see the raw calibration
 * samples (the model input) and weights that batch-norm folding does not touch (linear layers). For
 * the other histogram observers the recorded histogram and range are loaded and the search and
 * qparams are recomputed from them.
 */
class PyTorchObserverStatesTest {
  private static final Path RESCNN_DEBUG = TestData.REFERENCE.resolve("digits_rescnn").resolve("debug");
  private static final float EPS = 0x1p-12f;
  private static final ObserverSettings ACTIVATION =
      new ObserverSettings(DType.I8, -128, 127, Qscheme.PER_TENSOR_AFFINE, null, false);
  private static final ObserverSettings WEIGHT_PER_TENSOR =
      new ObserverSettings(DType.I8, -127, 127, Qscheme.PER_TENSOR_SYMMETRIC, 0, false);
  private static final ObserverSettings WEIGHT_PER_CHANNEL =
      new ObserverSettings(DType.I8, -127, 127, Qscheme.PER_CHANNEL_SYMMETRIC, 0, false);

  private static Map<String, Object> observers(String variant) throws IOException {
    return TestData.object(TestData.readJson(RESCNN_DEBUG.resolve(variant).resolve("observers.json")));
  }

  /** The observer entry whose {@code observes} is one of {@code names}. */
  private static Map<String, Object> observing(Map<String, Object> all, String... names) {
    for (Object o : all.values()) {
      Map<String, Object> obs = TestData.object(o);
      if (Arrays.asList(names).contains((String) obs.get("observes"))) {
        return obs;
      }
    }
    throw new AssertionError("no observer of " + Arrays.toString(names));
  }

  private static long[] longs(Object json) {
    return TestData.list(json).stream().mapToLong(v -> ((Double) v).longValue()).toArray();
  }

  /** Feeds the rows of {@code calib.npy} one at a time, in order, as PyTorch's calibration did. */
  private static HistogramObserver calibrateInput(String model) throws IOException {
    TestData.FloatArray calib = TestData.readNpyF32(TestData.REFERENCE.resolve(model).resolve("calib.npy"));
    int rows = calib.shape()[0];
    int[] rowShape = calib.shape().clone();
    rowShape[0] = 1;
    int per = calib.data().length / rows;
    HistogramObserver observer = new HistogramObserver(ACTIVATION, EPS);
    for (int i = 0; i < rows; i++) {
      observer.observe(Tensor.ofFloats(Arrays.copyOfRange(calib.data(), i * per, (i + 1) * per), rowShape));
    }
    return observer;
  }

  /** (a) The input observer sees the raw calibration samples: its whole state must be PyTorch's. */
  @ParameterizedTest
  @ValueSource(strings = {"observers_per_tensor", "observers_per_channel"})
  void inputHistogramObserverReproducesPyTorchStateBitForBit(String variant) throws IOException {
    Map<String, Object> recorded = observing(observers(variant), "x");
    assertEquals("HistogramObserver", recorded.get("observer"));
    float[] expectedHistogram =
        TestData.readNpyF32(RESCNN_DEBUG.resolve(variant).resolve((String) recorded.get("histogram"))).data();

    HistogramObserver observer = calibrateInput("digits_rescnn");

    assertArrayEquals(expectedHistogram, observer.histogram(), "all 2048 bins");
    assertEquals(TestData.floats(recorded.get("min_val"))[0], observer.minVal());
    assertEquals(TestData.floats(recorded.get("max_val"))[0], observer.maxVal());
    float[] search = TestData.floats(recorded.get("search_result"));
    HistogramObserver.Range range = observer.nonLinearParamSearch();
    assertEquals(search[0], range.min());
    assertEquals(search[1], range.max());
    QParams q = observer.calculateQParams();
    assertArrayEquals(TestData.floats(recorded.get("scale")), q.scales());
    assertArrayEquals(longs(recorded.get("zero_point")), q.zeroPoints());
  }

  /**
   * (b) The fc weight is not batch-norm folded, so its observer sees the archive's raw weight: min/max
   * and qparams per tensor (MinMaxObserver) and per channel (PerChannelMinMaxObserver).
   */
  @ParameterizedTest
  @ValueSource(strings = {"observers_per_tensor", "observers_per_channel"})
  void fcWeightObserverReproducesPyTorchState(String variant) throws IOException {
    Map<String, Object> recorded = observing(observers(variant), "fc_weight", "p_fc_weight");
    TestData.FloatArray weight =
        TestData.readPt2Weight(TestData.REFERENCE.resolve("digits_rescnn").resolve("model.pt2"), "fc.weight");
    Observer observer = variant.equals("observers_per_tensor")
        ? Observers.minMax(EPS).create(WEIGHT_PER_TENSOR)
        : Observers.perChannelMinMax(EPS).create(WEIGHT_PER_CHANNEL);
    assertEquals(recorded.get("observer"), observer.kind());

    observer.observe(Tensor.ofFloats(weight.data(), weight.shape()));

    float[] min;
    float[] max;
    if (observer instanceof MinMaxObserver m) {
      min = new float[] {m.minVal()};
      max = new float[] {m.maxVal()};
    } else {
      min = ((PerChannelMinMaxObserver) observer).minVal();
      max = ((PerChannelMinMaxObserver) observer).maxVal();
    }
    assertArrayEquals(TestData.floats(recorded.get("min_val")), min);
    assertArrayEquals(TestData.floats(recorded.get("max_val")), max);
    QParams q = observer.calculateQParams();
    assertArrayEquals(TestData.floats(recorded.get("scale")), q.scales());
    assertArrayEquals(longs(recorded.get("zero_point")), q.zeroPoints());
  }

  /**
   * (c) Every histogram observer of both runs: PyTorch's recorded histogram and range loaded into our
   * observer must give PyTorch's search result and qparams. Most of these histograms are fractional
   * (they went through {@code _combine_histograms}), which exercises the float32 sum and the
   * double-accumulated cumsum.
   */
  @TestFactory
  Stream<DynamicTest> searchAndQParamsFromRecordedHistograms() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (String variant : List.of("observers_per_tensor", "observers_per_channel")) {
      for (Map.Entry<String, Object> e : observers(variant).entrySet()) {
        Map<String, Object> recorded = TestData.object(e.getValue());
        if (!"HistogramObserver".equals(recorded.get("observer"))) {
          continue;
        }
        String name = variant + "/" + e.getKey() + " (" + recorded.get("observes") + ")";
        tests.add(DynamicTest.dynamicTest(name, () -> {
          float[] histogram =
              TestData.readNpyF32(RESCNN_DEBUG.resolve(variant).resolve((String) recorded.get("histogram"))).data();
          HistogramObserver observer = new HistogramObserver(ACTIVATION, EPS);
          observer.loadState(histogram, TestData.floats(recorded.get("min_val"))[0],
              TestData.floats(recorded.get("max_val"))[0]);
          float[] search = TestData.floats(recorded.get("search_result"));
          HistogramObserver.Range range = observer.nonLinearParamSearch();
          assertEquals(search[0], range.min(), "new_min");
          assertEquals(search[1], range.max(), "new_max");
          QParams q = observer.calculateQParams();
          assertArrayEquals(TestData.floats(recorded.get("scale")), q.scales(), "scale");
          assertArrayEquals(longs(recorded.get("zero_point")), q.zeroPoints(), "zero point");
        }));
      }
    }
    assertEquals(18, tests.size(), "nine histogram observers per run");
    return tests.stream();
  }

  /**
   * (d) Input observers of the other reference models, from their {@code qparams.json}. The
   * resnet20_cifar and mlp_784_1024 samples all have different ranges, so these go through
   * {@code _combine_histograms} / {@code _upscale_histogram} 31 times before the search.
   */
  @ParameterizedTest
  @CsvSource({
      "resnet20_cifar, per_channel, x",
      "mlp_784_1024, per_channel, x",
      "digits_dwnet, per_tensor, x",
      "digits_mlp, per_tensor, flatten"})
  void inputObserverQParamsOfOtherModels(String model, String variant, String node) throws IOException {
    Map<String, Object> expected = TestData.object(TestData.object(TestData.object(TestData.readJson(
        TestData.REFERENCE.resolve(model).resolve("pt2e").resolve(variant).resolve("qparams.json")))
        .get("activations")).get(node));

    QParams q = calibrateInput(model).calculateQParams();

    assertEquals((float) (double) (Double) expected.get("scale"), q.scale());
    assertEquals(((Double) expected.get("zero_point")).longValue(), q.zeroPoint());
  }

  /**
   * (e) Linear weights of the BN-free MLPs, from their {@code qparams.json}: per-tensor MinMaxObserver
   * and per-channel PerChannelMinMaxObserver scales (fc1, fc2, fc3 feed linear, linear_1, linear_2).
   */
  @ParameterizedTest
  @CsvSource({
      "digits_mlp, per_tensor",
      "digits_mlp, per_channel",
      "mlp_784_1024, per_channel"})
  void linearWeightQParamsOfMlps(String model, String variant) throws IOException {
    Path dir = TestData.REFERENCE.resolve(model);
    Map<String, Object> weights = TestData.object(TestData.object(TestData.readJson(
        dir.resolve("pt2e").resolve(variant).resolve("qparams.json"))).get("weights"));
    String[] layers = {"fc1", "fc2", "fc3"};
    String[] consumers = {"linear", "linear_1", "linear_2"};
    for (int i = 0; i < layers.length; i++) {
      Map<String, Object> expected = TestData.object(weights.get(consumers[i] + ".arg1"));
      TestData.FloatArray w = TestData.readPt2Weight(dir.resolve("model.pt2"), layers[i] + ".weight");
      boolean perChannel = variant.equals("per_channel");
      Observer observer = perChannel
          ? Observers.perChannelMinMax(EPS).create(WEIGHT_PER_CHANNEL)
          : Observers.minMax(EPS).create(WEIGHT_PER_TENSOR);
      observer.observe(Tensor.ofFloats(w.data(), w.shape()));
      QParams q = observer.calculateQParams();
      float[] scales = perChannel
          ? TestData.floats(expected.get("scales"))
          : new float[] {(float) (double) (Double) expected.get("scale")};
      long[] zeroPoints = perChannel
          ? longs(expected.get("zero_points"))
          : new long[] {((Double) expected.get("zero_point")).longValue()};
      assertEquals(perChannel ? w.shape()[0] : 1, scales.length, layers[i] + " channels");
      assertArrayEquals(scales, q.scales(), layers[i] + " scales");
      assertArrayEquals(zeroPoints, q.zeroPoints(), layers[i] + " zero points");
    }
  }
}
