package org.qforge.ir.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.qforge.ir.OpDef;
import org.qforge.ir.Param;

/**
 * The schemas the .pt2 importer binds against: every op of the op families exists under PyTorch's
 * name with PyTorch's parameter names, in PyTorch's order.
 */
class OpCatalogTest {

  private static final Map<String, List<String>> EXPECTED = new LinkedHashMap<>();

  static {
    List<String> addParams = List.of("self", "other", "alpha");
    EXPECTED.put("aten.add.Tensor", addParams);
    EXPECTED.put("aten.sub.Tensor", addParams);
    EXPECTED.put("aten.mul.Tensor", List.of("self", "other"));
    EXPECTED.put("aten.div.Tensor", List.of("self", "other"));
    EXPECTED.put("aten.add_.Tensor", addParams);
    EXPECTED.put("aten.round", List.of("self"));
    EXPECTED.put("aten.to.dtype", List.of("self", "dtype", "non_blocking", "copy"));
    EXPECTED.put("aten._to_copy", List.of("self", "dtype", "non_blocking"));
    EXPECTED.put("aten.linear", List.of("input", "weight", "bias"));
    EXPECTED.put("aten.addmm", List.of("self", "mat1", "mat2", "beta", "alpha"));
    EXPECTED.put("aten.mm", List.of("self", "mat2"));
    EXPECTED.put("aten.matmul", List.of("self", "other"));
    EXPECTED.put("aten.t", List.of("self"));
    List<String> conv = List.of("input", "weight", "bias", "stride", "padding", "dilation", "groups");
    EXPECTED.put("aten.conv1d", conv);
    EXPECTED.put("aten.conv2d", conv);
    List<String> convT = List.of("input", "weight", "bias", "stride", "padding", "output_padding", "groups",
        "dilation");
    EXPECTED.put("aten.conv_transpose1d", convT);
    EXPECTED.put("aten.conv_transpose2d.input", convT);
    EXPECTED.put("aten.convolution", List.of("input", "weight", "bias", "stride", "padding", "dilation",
        "transposed", "output_padding", "groups"));
    EXPECTED.put("aten.max_pool2d", List.of("self", "kernel_size", "stride", "padding", "dilation", "ceil_mode"));
    EXPECTED.put("aten.avg_pool2d", List.of("self", "kernel_size", "stride", "padding", "ceil_mode",
        "count_include_pad", "divisor_override"));
    EXPECTED.put("aten.adaptive_avg_pool2d", List.of("self", "output_size"));
    EXPECTED.put("aten.batch_norm", List.of("input", "weight", "bias", "running_mean", "running_var", "training",
        "momentum", "eps", "cudnn_enabled"));
    EXPECTED.put("aten._native_batch_norm_legit_no_training", List.of("input", "weight", "bias", "running_mean",
        "running_var", "momentum", "eps"));
    List<String> nativeBn = List.of("input", "weight", "bias", "running_mean", "running_var", "training",
        "momentum", "eps");
    EXPECTED.put("aten._native_batch_norm_legit", nativeBn);
    EXPECTED.put("aten.native_batch_norm", nativeBn);
    List<String> reduce = List.of("self", "dim", "keepdim", "dtype");
    EXPECTED.put("aten.mean.dim", reduce);
    EXPECTED.put("aten.mean", List.of("self", "dtype"));
    EXPECTED.put("aten.sum.dim_IntList", reduce);
    EXPECTED.put("aten.softmax.int", List.of("self", "dim", "dtype"));
    EXPECTED.put("aten._softmax", List.of("self", "dim", "half_to_float"));
    EXPECTED.put("aten.log_softmax.int", List.of("self", "dim", "dtype"));
    EXPECTED.put("aten._log_softmax", List.of("self", "dim", "half_to_float"));
    EXPECTED.put("aten.flatten.using_ints", List.of("self", "start_dim", "end_dim"));
    EXPECTED.put("aten.view", List.of("self", "size"));
    EXPECTED.put("aten.reshape", List.of("self", "shape"));
    EXPECTED.put("aten.permute", List.of("self", "dims"));
    EXPECTED.put("aten.transpose.int", List.of("self", "dim0", "dim1"));
    EXPECTED.put("aten.cat", List.of("tensors", "dim"));
    EXPECTED.put("aten.squeeze.dim", List.of("self", "dim"));
    EXPECTED.put("aten.squeeze.dims", List.of("self", "dim"));
    EXPECTED.put("aten.squeeze", List.of("self"));
    EXPECTED.put("aten.unsqueeze", List.of("self", "dim"));
    EXPECTED.put("aten.clone", List.of("self"));
    EXPECTED.put("aten.slice.Tensor", List.of("self", "dim", "start", "end", "step"));
    EXPECTED.put("aten.select.int", List.of("self", "dim", "index"));
    EXPECTED.put("aten.dropout", List.of("input", "p", "train"));
    EXPECTED.put("aten.expand", List.of("self", "size", "implicit"));
  }

  @Test
  void everyOpHasPyTorchParameterNames() {
    for (Map.Entry<String, List<String>> e : EXPECTED.entrySet()) {
      OpDef op = OpRegistry.standard().find(e.getKey()).orElse(null);
      assertTrue(op != null, "missing op " + e.getKey());
      assertEquals(e.getValue(), op.params().stream().map(Param::name).toList(), e.getKey());
      assertFalse(op.doc().isBlank(), e.getKey() + " needs a doc line");
    }
  }

  @Test
  void defaultsMatchPyTorch() {
    assertEquals("aten.conv2d(Tensor input, Tensor weight, Tensor? bias=none, int[] stride=[1, 1], "
        + "int[] padding=[0, 0], int[] dilation=[1, 1], int groups=1)", OpHarness.op("aten.conv2d").signature());
    assertEquals("aten.max_pool2d(Tensor self, int[] kernel_size, int[] stride=[], int[] padding=[0, 0], "
        + "int[] dilation=[1, 1], bool ceil_mode=false)", OpHarness.op("aten.max_pool2d").signature());
    assertEquals("aten.slice.Tensor(Tensor self, int dim=0, int? start=none, int? end=none, int step=1)",
        OpHarness.op("aten.slice.Tensor").signature());
    assertEquals("aten.conv_transpose1d(Tensor input, Tensor weight, Tensor? bias=none, int[] stride=[1], "
        + "int[] padding=[0], int[] output_padding=[0], int groups=1, int[] dilation=[1])",
        OpHarness.op("aten.conv_transpose1d").signature());
  }

  @Test
  void bindsArgumentsByName() {
    OpDef op = OpHarness.op("aten.conv2d");
    assertEquals(6, op.paramIndex("groups"));
    assertEquals(2, op.paramIndex("bias"));
  }
}
