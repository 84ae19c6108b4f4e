package org.qforge.passes.quant;

/** PyTorch's quantization schemes ({@code torch.qscheme}). */
public enum Qscheme {
  PER_TENSOR_AFFINE("torch.per_tensor_affine"),
  PER_TENSOR_SYMMETRIC("torch.per_tensor_symmetric"),
  PER_CHANNEL_AFFINE("torch.per_channel_affine"),
  PER_CHANNEL_SYMMETRIC("torch.per_channel_symmetric"),
  PER_CHANNEL_AFFINE_FLOAT_QPARAMS("torch.per_channel_affine_float_qparams");

  private final String torchName;

  Qscheme(String torchName) {
    this.torchName = torchName;
  }

  /** The name PyTorch prints, e.g. {@code torch.per_tensor_affine}. */
  public String torchName() {
    return torchName;
  }

  public boolean isPerChannel() {
    return this == PER_CHANNEL_AFFINE || this == PER_CHANNEL_SYMMETRIC || this == PER_CHANNEL_AFFINE_FLOAT_QPARAMS;
  }

  public boolean isSymmetric() {
    return this == PER_TENSOR_SYMMETRIC || this == PER_CHANNEL_SYMMETRIC;
  }
}
