import torch

from seqgsn.model.backbone import Backbone, ChannelNorm, conv_nlc


def test_channel_norm_matches_per_position_layernorm_over_channels():
    torch.manual_seed(0)
    norm = ChannelNorm(16)
    with torch.no_grad():
        norm.weight.normal_()
        norm.bias.normal_()
    x = torch.randn(3, 40, 16) * 5 + 2                                   # [B, L, C]
    mu = x.mean(-1, keepdim=True)
    var = (x - mu).pow(2).mean(-1, keepdim=True)
    ref = (x - mu) / torch.sqrt(var + norm.eps) * norm.weight.view(16) + norm.bias.view(16)
    out = norm(x)
    assert out.shape == x.shape
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=1e-5)
    # statistics are per position: changing one column leaves the others untouched
    x2 = x.clone()
    x2[:, 7] += 100
    same = torch.ones(40, dtype=torch.bool)
    same[7] = False
    torch.testing.assert_close(norm(x2)[:, same], out[:, same])


def test_conv_nlc_equals_channels_first_conv1d():
    torch.manual_seed(0)
    conv = torch.nn.Conv1d(6, 10, 5, padding=4, dilation=2)
    for B, L in [(2, 17), (1, 1), (3, 5)]:
        x = torch.randn(B, L, 6)                                           # [B, L, C_in]
        ref = conv(x.transpose(1, 2)).transpose(1, 2)                       # [B, L, C_out]
        torch.testing.assert_close(conv_nlc(conv, x), ref, atol=1e-5, rtol=1e-5)


def test_backbone_output_is_zero_at_padding_and_independent_of_it():
    torch.manual_seed(0)
    bb = Backbone(8, 16, 2, 5, (1, 2), 0.0).eval()
    tokens = torch.randint(0, 20, (1, 30))
    short = bb(tokens[:, :20], torch.ones(1, 20, dtype=torch.bool))        # [1, 16, 20]
    mask = torch.zeros(1, 30, dtype=torch.bool)
    mask[:, :20] = True
    padded = bb(tokens, mask)                                             # [1, 16, 30]
    assert torch.all(padded[:, :, 20:] == 0)
    torch.testing.assert_close(padded[:, :, :20], short, atol=1e-5, rtol=1e-5)
