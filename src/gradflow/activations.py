r"""Activation functions φ and their derivatives φ′: one registry for the whole book.

Every activation is an :class:`Activation` in :data:`REGISTRY`, which holds its formula, derivative,
LaTeX and properties once; tables, legends, plots and checkers read them from there.

>>> sigmoid = get("sigmoid")
>>> sigmoid(0.0), sigmoid.derivative(0.0)
(np.float64(0.5), np.float64(0.25))

Conventions
-----------
- At a kink k of a piecewise activation (listed in its ``kinks``), φ′(k) is the left derivative (0
  for ReLU at 0, α for leaky ReLU, λα for SELU, 1 for ReLU6 at 6), as PyTorch does at 0;
  Bertoin et al. (2021), "Numerical influence of ReLU′(0) on backpropagation", show that the choice
  can matter.
- The step function has step(0) = 0, so that step = ReLU′ everywhere, kink included.
- ``"swish"`` is an alias of ``"silu"``: :func:`get` accepts it, :func:`names` lists canonical names.

Numerics
--------
Input any shape; output the same shape and floating dtype (integers and booleans give float64,
float16 is computed in float32; Python scalars and 0-d arrays give NumPy scalars). For finite inputs
up to 1e4 in magnitude nothing overflows or warns; ±inf gives the limit and NaN gives NaN.
"""

import dataclasses
import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from scipy import special

_SATURATING_SIDES = ("both", "negative", "positive", "none")


def _unconstrained(**params):
    """Accept every finite parameter value."""


@dataclass(frozen=True, repr=False)
class Activation:
    """An activation function φ, its derivative φ′ and the facts the book states about it.

    Call it for φ and use :meth:`derivative` for φ′, both elementwise: input any shape, output the
    same shape and floating dtype. ``range``, ``zero_centred``, ``saturating``, ``monotone`` and
    ``smooth`` describe φ with its default ``params``.

    Attributes
    ----------
    name : str
        Registry key, e.g. ``"leaky_relu"``.
    label : str
        Display name, e.g. ``"Leaky ReLU"``.
    latex, derivative_latex : str
        φ and φ′ in LaTeX that both MathJax and Matplotlib's mathtext render.
    range : tuple of float
        ``(inf φ, sup φ)``, either end possibly infinite.
    zero_centred : bool
        φ(0) = 0 and φ takes both signs.
    saturating : {"both", "negative", "positive", "none"}
        The sides on which φ′(x) → 0 as x → ±∞.
    monotone : bool
        φ is non-decreasing.
    smooth : bool
        φ is continuously differentiable (C¹), which holds exactly when ``kinks`` is empty.
    params : mapping of str to float
        Parameter values, read-only; change them with :meth:`with_params`.
    kinks : tuple of float
        The points where φ or φ′ jumps, in increasing order (φ′ takes its left derivative there);
        φ is C¹ everywhere else.

    Examples
    --------
    >>> leaky = get("leaky_relu")
    >>> leaky(np.array([-2.0, 3.0])), leaky.derivative(-2.0)
    (array([-0.02,  3.  ]), np.float64(0.01))
    """

    name: str
    label: str
    latex: str
    derivative_latex: str
    range: tuple[float, float]
    zero_centred: bool
    saturating: str
    monotone: bool
    smooth: bool
    params: Mapping[str, float] = field(hash=False)
    _value: Callable[..., np.ndarray]
    _derivative: Callable[..., np.ndarray]
    _check: Callable[..., None] = _unconstrained
    kinks: tuple[float, ...] = ()

    def __post_init__(self):
        if self.saturating not in _SATURATING_SIDES:
            raise ValueError(f"saturating must be one of {_SATURATING_SIDES}, got {self.saturating!r}")
        if self.smooth == bool(self.kinks):
            raise ValueError(f"{self.name}: smooth={self.smooth} contradicts kinks={self.kinks}")
        # Read-only, so that a frozen Activation cannot be changed through its params either.
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def __call__(self, x):
        """φ(x), elementwise.

        >>> get("relu")([-1.0, 2.0])
        array([0., 2.])
        """
        return _elementwise(self._value, x, **self.params)

    def derivative(self, x):
        """φ′(x), elementwise; at a kink, the left derivative.

        >>> get("relu").derivative([-1.0, 0.0, 2.0])
        array([0., 0., 1.])
        """
        return _elementwise(self._derivative, x, **self.params)

    def with_params(self, **params):
        """This activation with some parameters changed.

        Parameters
        ----------
        **params : float
            New values for some of ``self.params``.

        Returns
        -------
        Activation
            A new activation; the descriptive fields keep describing the defaults.

        Raises
        ------
        ValueError
            For a parameter the activation does not have, or a value outside its domain.

        Examples
        --------
        >>> get("elu").with_params(alpha=0.5)
        Activation('elu', alpha=0.5)
        """
        unknown = sorted(set(params) - set(self.params))
        if unknown:
            allowed = ", ".join(self.params) or "none"
            raise ValueError(
                f"{self.name} has no parameter {', '.join(unknown)}; its parameters: {allowed}"
            )
        for key, value in params.items():
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(f"{self.name}: {key} must be a real number, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"{self.name}: {key} must be finite, got {value!r}")
        merged = {**self.params, **{key: float(value) for key, value in params.items()}}
        self._check(**merged)
        return dataclasses.replace(self, params=merged)

    def __repr__(self):
        arguments = [repr(self.name)] + [f"{key}={value!r}" for key, value in self.params.items()]
        return f"Activation({', '.join(arguments)})"


#: Every activation of the book, by canonical name; :func:`get` reads it.
#:
#: :meta hide-value:
REGISTRY: dict[str, Activation] = {}
#: Other names that :func:`get` accepts, each mapped to its canonical name.
#:
#: :meta hide-value:
ALIASES = {"swish": "silu"}


def _register(activation):
    REGISTRY[activation.name] = activation


def names():
    """Names of the registered activations, sorted; aliases such as ``"swish"`` are not listed.

    >>> names()[:4]
    ['celu', 'elu', 'gelu', 'gelu_tanh']
    """
    return sorted(REGISTRY)


def get(name, **params):
    """The activation called ``name``, with any parameters changed.

    Parameters
    ----------
    name : str
        One of :func:`names`, or an alias in :data:`ALIASES`.
    **params : float
        Parameter values to change, as in :meth:`Activation.with_params`.

    Returns
    -------
    Activation

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If ``name`` is unknown (the message lists the valid names) or a parameter is invalid.

    Examples
    --------
    >>> get("leaky_relu", alpha=0.1)
    Activation('leaky_relu', alpha=0.1)
    >>> get("swish") is get("silu")
    True
    """
    if not isinstance(name, str):
        raise TypeError(f"an activation name is a str, got {type(name).__name__}")
    activation = REGISTRY.get(ALIASES.get(name, name))
    if activation is None:
        aliases = ", ".join(f"{alias} (= {target})" for alias, target in ALIASES.items())
        raise ValueError(
            f"unknown activation {name!r}; valid names: {', '.join(names())}; aliases: {aliases}"
        )
    return activation.with_params(**params) if params else activation


def resolve(spec):
    """The activation that ``spec`` names: a registry name or alias is looked up, an Activation is returned as is.

    Functions that take an ``activation`` argument call this, so that they accept both forms.

    >>> resolve("swish") is resolve(get("silu"))
    True
    """
    if isinstance(spec, str):
        return get(spec)
    if callable(spec) and callable(getattr(spec, "derivative", None)):
        return spec
    raise TypeError(f"activation must be a registry name such as 'relu' or an Activation, got {spec!r}")


def _as_float(x):
    """``x`` as a floating array to compute with, and the dtype the result should have."""
    array = np.asarray(x)
    if array.dtype.kind in "biu":
        return array.astype(np.float64), np.dtype(np.float64)
    if array.dtype.kind != "f":
        raise TypeError(f"expected real numbers, got {type(x).__name__} of dtype {array.dtype}")
    # SciPy's special functions have float32 and float64 loops only.
    working = np.float32 if array.dtype.itemsize <= 4 else np.float64
    return array.astype(working, copy=False), array.dtype


def _elementwise(function, x, **params):
    """Apply an array function to any real input, with the dtype, scalar and NaN conventions."""
    array, dtype = _as_float(x)
    result = np.asarray(function(array, **params)).astype(dtype, copy=False)
    # x > 0 is False for NaN, so a piecewise formula would send NaN into one of its branches.
    nan = np.isnan(array)
    if nan.any():
        result = np.where(nan, array, result).astype(dtype, copy=False)  # float16 input is computed in float32
    return result[()]


def _times_vanishing(x, factor):
    """x · factor, which is 0 wherever the factor has decayed to 0.

    The factors used here decay exponentially, so the product's limit at x = ±inf is 0, where IEEE
    arithmetic would give inf · 0 = NaN.
    """
    return np.where(factor == 0, 0, x) * factor


def _sech_squared(x):
    """sech²(x) = 4e^{−2|x|} / (1 + e^{−2|x|})², accurate in the tails where 1 − tanh²(x) cancels."""
    decay = np.exp(-np.abs(x))
    # In place: the same operations as np.square(2 * decay / (1 + decay * decay)), three arrays fewer.
    denominator = decay * decay
    denominator += 1
    decay *= 2
    decay /= denominator
    decay *= decay
    return decay


def _positive(**params):
    """Require every parameter to be positive."""
    for key, value in params.items():
        if value <= 0:
            raise ValueError(f"{key} must be positive, got {value}")


def _identity(x):
    r"""Identity: a network of identity layers is a single linear map.

    .. math:: \phi(x) = x, \qquad \phi'(x) = 1

    >>> get("identity")(-2.0)
    np.float64(-2.0)
    """
    return x


def _identity_derivative(x):
    return np.ones_like(x)


_register(Activation(
    name="identity", label="Identity",
    latex=r"\phi(x) = x", derivative_latex=r"\phi'(x) = 1",
    range=(-math.inf, math.inf), zero_centred=True, saturating="none", monotone=True, smooth=True,
    params={}, _value=_identity, _derivative=_identity_derivative,
))


def _step(x):
    r"""Heaviside step, the threshold unit of McCulloch & Pitts (1943) and of the perceptron.

    .. math:: H(x) = 1 \text{ if } x > 0 \text{ else } 0, \qquad H'(x) = 0

    step(0) = 0, as in Rosenblatt's perceptron (1958), which fires only for x > 0; then step = ReLU′
    everywhere. The derivative is 0 wherever it exists and is given as 0 at x = 0 too, where it does
    not: no gradient flows through a step.

    >>> get("step")([-1.0, 0.0, 1.0])
    array([0., 0., 1.])
    """
    return np.heaviside(x, 0.0)


def _step_derivative(x):
    return np.zeros_like(x)


_register(Activation(
    name="step", label="Step",
    latex=r"H(x) = 1 \text{ if } x > 0 \text{ else } 0", derivative_latex=r"H'(x) = 0 \quad (x \neq 0)",
    range=(0.0, 1.0), zero_centred=False, saturating="both", monotone=True, smooth=False,
    params={}, _value=_step, _derivative=_step_derivative,
    kinks=(0.0,),
))


def _sigmoid(x):
    r"""Logistic sigmoid, the smooth step of early backpropagation (Rumelhart et al., 1986).

    .. math:: \sigma(x) = \frac{1}{1 + e^{-x}}, \qquad
              \sigma'(x) = \sigma(x)\,(1 - \sigma(x)) \le \tfrac14

    :func:`scipy.special.expit` never overflows, and σ′ is evaluated as σ(x)σ(−x), accurate in
    both tails.

    >>> get("sigmoid")(0.0)
    np.float64(0.5)
    """
    return special.expit(x)


def _sigmoid_derivative(x):
    return special.expit(x) * special.expit(-x)


_register(Activation(
    name="sigmoid", label="Sigmoid",
    latex=r"\sigma(x) = \frac{1}{1 + e^{-x}}",
    derivative_latex=r"\sigma'(x) = \sigma(x)\,(1 - \sigma(x))",
    range=(0.0, 1.0), zero_centred=False, saturating="both", monotone=True, smooth=True,
    params={}, _value=_sigmoid, _derivative=_sigmoid_derivative,
))


def _tanh(x):
    r"""Hyperbolic tangent, the zero-centred sigmoid recommended by LeCun et al. (1998).

    .. math:: \tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}} = 2\sigma(2x) - 1, \qquad
              \tanh'(x) = 1 - \tanh^2(x)

    >>> get("tanh").derivative(0.0)
    np.float64(1.0)
    """
    return np.tanh(x)


def _tanh_derivative(x):
    return _sech_squared(x)


_register(Activation(
    name="tanh", label="Tanh",
    latex=r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
    derivative_latex=r"\tanh'(x) = 1 - \tanh^2(x)",
    range=(-1.0, 1.0), zero_centred=True, saturating="both", monotone=True, smooth=True,
    params={}, _value=_tanh, _derivative=_tanh_derivative,
))


def _relu(x):
    r"""Rectified linear unit (Nair & Hinton, 2010; Glorot et al., 2011).

    .. math:: \mathrm{ReLU}(x) = \max(0, x), \qquad
              \mathrm{ReLU}'(x) = 1 \text{ if } x > 0 \text{ else } 0

    ReLU′(0) = 0, the left derivative (PyTorch's and JAX's convention).

    >>> get("relu").derivative([-1.0, 0.0, 1.0])
    array([0., 0., 1.])
    """
    return np.maximum(x, 0)


def _relu_derivative(x):
    return (x > 0).astype(x.dtype)


_register(Activation(
    name="relu", label="ReLU",
    latex=r"\mathrm{ReLU}(x) = \max(0, x)",
    derivative_latex=r"\mathrm{ReLU}'(x) = 1 \text{ if } x > 0 \text{ else } 0",
    range=(0.0, math.inf), zero_centred=False, saturating="negative", monotone=True, smooth=False,
    params={}, _value=_relu, _derivative=_relu_derivative,
    kinks=(0.0,),
))


def _leaky_relu(x, alpha):
    r"""Leaky ReLU: a small slope α for x < 0 keeps a gradient flowing (Maas et al., 2013).

    .. math:: \mathrm{LReLU}(x) = \max(0, x) + \alpha \min(0, x), \qquad
              \mathrm{LReLU}'(x) = 1 \text{ if } x > 0 \text{ else } \alpha

    Parameters
    ----------
    alpha : float
        Negative slope, > 0 (default 0.01). LReLU′(0) = α, the left derivative (PyTorch's convention).

    >>> get("leaky_relu")([-1.0, 1.0])
    array([-0.01,  1.  ])
    """
    return np.maximum(x, 0) + alpha * np.minimum(x, 0)


def _leaky_relu_derivative(x, alpha):
    return np.where(x > 0, 1.0, alpha)


_register(Activation(
    name="leaky_relu", label="Leaky ReLU",
    latex=r"\mathrm{LReLU}(x) = \max(0, x) + \alpha \min(0, x)",
    derivative_latex=r"\mathrm{LReLU}'(x) = 1 \text{ if } x > 0 \text{ else } \alpha",
    range=(-math.inf, math.inf), zero_centred=True, saturating="none", monotone=True, smooth=False,
    params={"alpha": 0.01}, _value=_leaky_relu, _derivative=_leaky_relu_derivative, _check=_positive,
    kinks=(0.0,),
))


_register(Activation(
    name="prelu", label="PReLU",
    latex=r"\mathrm{PReLU}(x) = \max(0, x) + \alpha \min(0, x)",
    derivative_latex=r"\mathrm{PReLU}'(x) = 1 \text{ if } x > 0 \text{ else } \alpha",
    range=(-math.inf, math.inf), zero_centred=True, saturating="none", monotone=True, smooth=False,
    params={"alpha": 0.25}, _value=_leaky_relu, _derivative=_leaky_relu_derivative,
    kinks=(0.0,),
))


def prelu_slope_gradient(x):
    r"""Derivative of PReLU with respect to its learned slope α (He et al., 2015).

    PReLU is leaky ReLU whose slope α is a parameter learned by gradient descent, starting from
    α = 0.25 as in He et al.; any real α is allowed.

    .. math:: \frac{\partial\, \mathrm{PReLU}(x)}{\partial \alpha} = \min(0, x)

    Parameters
    ----------
    x : array_like
        Input, any shape.

    Returns
    -------
    ndarray or NumPy scalar
        Same shape as ``x``. By the chain rule, a slope α shared by all elements has the gradient
        ``np.sum(dout * prelu_slope_gradient(x))``.

    Examples
    --------
    >>> prelu_slope_gradient([-2.0, 3.0])
    array([-2.,  0.])
    """
    return _elementwise(lambda array: np.minimum(array, 0), x)


def _ordered_slopes(lower, upper):
    """Require 0 < lower ≤ upper, the bounds of RReLU's random slopes."""
    if not 0 < lower <= upper:
        raise ValueError(f"rrelu needs 0 < lower <= upper, got lower={lower}, upper={upper}")


def _rrelu(x, lower, upper):
    r"""Randomized leaky ReLU in evaluation mode: leaky ReLU with the mean slope (Xu et al., 2015).

    .. math:: \mathrm{RReLU}(x) = \max(0, x) + \tfrac{l + u}{2} \min(0, x)

    Parameters
    ----------
    lower, upper : float
        Bounds l ≤ u of the training slopes (defaults 1/8 and 1/3). RReLU′(0) = (l + u)/2, the left
        derivative. Xu et al. divide by a ~ U(3, 8), so their slopes 1/a also lie in [1/8, 1/3], but
        evaluate with the slope 2/(3 + 8); PyTorch, like this module, uses the mean slope (l + u)/2.

    See Also
    --------
    rrelu_train : the training mode, with one random slope per element.

    >>> get("rrelu").derivative(-1.0) == (1 / 8 + 1 / 3) / 2
    np.True_
    """
    return _leaky_relu(x, (lower + upper) / 2)


def _rrelu_derivative(x, lower, upper):
    return _leaky_relu_derivative(x, (lower + upper) / 2)


_register(Activation(
    name="rrelu", label="RReLU",
    latex=r"\mathrm{RReLU}(x) = \max(0, x) + \frac{l + u}{2} \min(0, x)",
    derivative_latex=r"\mathrm{RReLU}'(x) = 1 \text{ if } x > 0 \text{ else } \frac{l + u}{2}",
    range=(-math.inf, math.inf), zero_centred=True, saturating="none", monotone=True, smooth=False,
    params={"lower": 1 / 8, "upper": 1 / 3}, _value=_rrelu, _derivative=_rrelu_derivative,
    _check=_ordered_slopes,
    kinks=(0.0,),
))


def rrelu_train(x, rng, lower=1 / 8, upper=1 / 3):
    r"""RReLU in training mode: each element gets its own random negative slope (Xu et al., 2015).

    .. math:: y_i = x_i \text{ if } x_i > 0 \text{ else } a_i x_i, \qquad a_i \sim \mathcal{U}(l, u)

    The derivative is ``np.where(x > 0, 1, slopes)``.

    Parameters
    ----------
    x : array_like
        Input, any shape.
    rng : numpy.random.Generator
        Source of the slopes.
    lower, upper : float
        Bounds 0 < l ≤ u of the slopes.

    Returns
    -------
    y, slopes : ndarray or NumPy scalar
        The output and the slopes drawn, one per element (also where x > 0), both of x's shape.

    Examples
    --------
    >>> y, slopes = rrelu_train([-1.0, 2.0], np.random.default_rng(0))
    >>> bool(y[0] == -slopes[0]), y[1]
    (True, np.float64(2.0))
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {rng!r}")
    REGISTRY["rrelu"].with_params(lower=lower, upper=upper)  # raises for invalid bounds
    array, dtype = _as_float(x)
    slopes = rng.uniform(lower, upper, size=array.shape)
    y = np.where(array > 0, array, slopes * array)
    return y.astype(dtype)[()], slopes.astype(dtype)[()]


def _elu(x, alpha):
    r"""Exponential linear unit: x for x > 0, saturating smoothly to −α below (Clevert et al., 2016).

    .. math:: \mathrm{ELU}(x) = \max(0, x) + \min(0, \alpha (e^{x} - 1)), \qquad
              \mathrm{ELU}'(x) = 1 \text{ if } x > 0 \text{ else } \alpha e^{x}

    Parameters
    ----------
    alpha : float
        Negative saturation value, > 0 (default 1). ELU′(0) = α, the left derivative (PyTorch's
        convention); only α = 1 makes ELU continuously differentiable.

    >>> get("elu")([-1.0, 2.0])
    array([-0.63212056,  2.        ])
    """
    # expm1 sees only x ≤ 0, so the branch not taken cannot overflow for large x. min(0, x) rather than
    # where(x > 0, 0, x): the same values (−0.0 and NaN kept), without where's unpredictable branches.
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(0, x)))


def _elu_derivative(x, alpha):
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(0, x)))


_register(Activation(
    name="elu", label="ELU",
    latex=r"\mathrm{ELU}(x) = \max(0, x) + \min(0, \alpha (e^{x} - 1))",
    derivative_latex=r"\mathrm{ELU}'(x) = 1 \text{ if } x > 0 \text{ else } \alpha e^{x}",
    range=(-1.0, math.inf), zero_centred=True, saturating="negative", monotone=True, smooth=True,
    params={"alpha": 1.0}, _value=_elu, _derivative=_elu_derivative, _check=_positive,
))

# The solution of Klambauer et al.'s fixed-point equations E[selu(Z)] = 0, E[selu(Z)²] = 1 for
# Z ~ N(0, 1), as printed in their paper and code.
_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_ALPHA = 1.6732632423543772848170429916717


def _selu(x):
    r"""Scaled ELU, which keeps activations at mean 0 and variance 1 (Klambauer et al., 2017).

    .. math:: \mathrm{SELU}(x) = \lambda\, \mathrm{ELU}_\alpha(x), \qquad
              \lambda \approx 1.0507, \ \alpha \approx 1.6733

    λ and α are fixed, not parameters. SELU′(0) = λα, the left derivative; SELU′ jumps from λα to
    λ at 0, so SELU is not continuously differentiable.

    >>> get("selu")(1.0)
    np.float64(1.0507009873554805)
    """
    return _SELU_SCALE * _elu(x, _SELU_ALPHA)


def _selu_derivative(x):
    return _SELU_SCALE * _elu_derivative(x, _SELU_ALPHA)


_register(Activation(
    name="selu", label="SELU",
    latex=r"\mathrm{SELU}(x) = \lambda \left(\max(0, x) + \min(0, \alpha (e^{x} - 1))\right)",
    derivative_latex=r"\mathrm{SELU}'(x) = \lambda \text{ if } x > 0 \text{ else } \lambda\alpha e^{x}",
    range=(-_SELU_SCALE * _SELU_ALPHA, math.inf), zero_centred=True, saturating="negative",
    monotone=True, smooth=False, params={}, _value=_selu, _derivative=_selu_derivative,
    kinks=(0.0,),
))


def _celu(x, alpha):
    r"""Continuously differentiable ELU: C¹ for every α, unlike ELU (Barron, 2017).

    .. math:: \mathrm{CELU}(x) = \max(0, x) + \min(0, \alpha (e^{x/\alpha} - 1))
              = \alpha\, \mathrm{ELU}_1(x/\alpha)

    Parameters
    ----------
    alpha : float
        Negative saturation value, > 0 (default 1, where CELU = ELU). CELU′(0) = 1 from both sides.

    >>> get("celu", alpha=2.0)(-2.0)
    np.float64(-1.2642411176571153)
    """
    return alpha * _elu(x / alpha, 1.0)


def _celu_derivative(x, alpha):
    return _elu_derivative(x / alpha, 1.0)


_register(Activation(
    name="celu", label="CELU",
    latex=r"\mathrm{CELU}(x) = \max(0, x) + \min(0, \alpha (e^{x/\alpha} - 1))",
    derivative_latex=r"\mathrm{CELU}'(x) = 1 \text{ if } x > 0 \text{ else } e^{x/\alpha}",
    range=(-1.0, math.inf), zero_centred=True, saturating="negative", monotone=True, smooth=True,
    params={"alpha": 1.0}, _value=_celu, _derivative=_celu_derivative, _check=_positive,
))


def _softplus(x, beta):
    r"""Softplus, a smooth ReLU whose derivative is the sigmoid (Dugas et al., 2001).

    .. math:: \mathrm{softplus}(x) = \frac{1}{\beta} \ln(1 + e^{\beta x}), \qquad
              \mathrm{softplus}'(x) = \sigma(\beta x)

    Parameters
    ----------
    beta : float
        Sharpness, > 0 (default 1); as β → ∞ softplus tends to ReLU.

    >>> get("softplus")(0.0)
    np.float64(0.6931471805599453)
    """
    # ln(1 + e^z) = −ln σ(−z). SciPy's log_expit is stable like np.logaddexp(0, z), which however
    # warns "invalid value" for NaN input.
    return -special.log_expit(-beta * x) / beta


def _softplus_derivative(x, beta):
    return special.expit(beta * x)


_register(Activation(
    name="softplus", label="Softplus",
    latex=r"\mathrm{softplus}(x) = \frac{1}{\beta} \ln(1 + e^{\beta x})",
    derivative_latex=r"\mathrm{softplus}'(x) = \sigma(\beta x)",
    range=(0.0, math.inf), zero_centred=False, saturating="negative", monotone=True, smooth=True,
    params={"beta": 1.0}, _value=_softplus, _derivative=_softplus_derivative, _check=_positive,
))


def _normal_pdf(x):
    return np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _gelu(x):
    r"""Gaussian error linear unit: x weighted by the probability Φ(x) (Hendrycks & Gimpel, 2016).

    .. math:: \mathrm{GELU}(x) = x\, \Phi(x), \qquad \mathrm{GELU}'(x) = \Phi(x) + x\, \varphi(x)

    Φ and φ are the standard normal CDF and density. The minimum is −0.16997 at x ≈ −0.75179.

    See Also
    --------
    gelu_tanh : the tanh approximation of GELU.

    >>> get("gelu")(1.0)
    np.float64(0.8413447460685429)
    """
    return _times_vanishing(x, special.ndtr(x))


def _gelu_derivative(x):
    return special.ndtr(x) + _times_vanishing(x, _normal_pdf(x))


_register(Activation(
    name="gelu", label="GELU",
    latex=r"\mathrm{GELU}(x) = x\, \Phi(x)",
    derivative_latex=r"\mathrm{GELU}'(x) = \Phi(x) + \frac{x}{\sqrt{2\pi}} e^{-x^2/2}",
    range=(-0.16997120747990366, math.inf), zero_centred=True, saturating="negative", monotone=False,
    smooth=True, params={}, _value=_gelu, _derivative=_gelu_derivative,
))

_GELU_TANH_SCALE = math.sqrt(2 / math.pi)
_GELU_TANH_CUBIC = 0.044715


def _gelu_tanh_argument(x):
    return _GELU_TANH_SCALE * (x + _GELU_TANH_CUBIC * (x * x * x))  # x**3 is a slow pow() call


def _gelu_tanh(x):
    r"""GELU's tanh approximation, used in BERT and GPT-2 (Hendrycks & Gimpel, 2016).

    .. math:: \mathrm{GELU}_{\tanh}(x) = \frac{x}{2}\left(1 + \tanh u\right), \qquad
              u = \sqrt{2/\pi}\,(x + 0.044715\, x^3)

    Evaluated as x σ(2u), the same function since (1 + tanh u)/2 = σ(2u), because 1 + tanh u cancels
    in the negative tail and σ does not. The minimum is −0.17004 at x ≈ −0.75246.

    >>> get("gelu_tanh")(1.0)
    np.float64(0.8411919906082768)
    """
    return _times_vanishing(x, special.expit(2 * _gelu_tanh_argument(x)))


def _gelu_tanh_derivative(x):
    u = _gelu_tanh_argument(x)
    argument_slope = _GELU_TANH_SCALE * (1 + 3 * _GELU_TANH_CUBIC * x * x)
    # d/dx σ(2u) = 2u′ σ(2u) σ(−2u)
    gate_slope = special.expit(2 * u) * special.expit(-2 * u)
    return special.expit(2 * u) + _times_vanishing(2 * argument_slope * x, gate_slope)


_register(Activation(
    name="gelu_tanh", label="GELU (tanh)",
    latex=(
        r"\mathrm{GELU}_{\tanh}(x) = \frac{x}{2}"
        r"\left(1 + \tanh\left(\sqrt{2/\pi}\,(x + 0.044715\, x^3)\right)\right)"
    ),
    derivative_latex=(
        r"\mathrm{GELU}_{\tanh}'(x) = \frac{1 + \tanh u}{2} + \frac{x}{2}(1 - \tanh^2 u)\sqrt{2/\pi}\,"
        r"(1 + 0.134145\, x^2), \quad u = \sqrt{2/\pi}\,(x + 0.044715\, x^3)"
    ),
    range=(-0.17004075057125406, math.inf), zero_centred=True, saturating="negative", monotone=False,
    smooth=True, params={}, _value=_gelu_tanh, _derivative=_gelu_tanh_derivative,
))


def _silu(x):
    r"""Sigmoid linear unit, also called swish (Hendrycks & Gimpel, 2016; Ramachandran et al., 2017).

    .. math:: \mathrm{SiLU}(x) = x\, \sigma(x), \qquad
              \mathrm{SiLU}'(x) = \sigma(x)\,(1 + x\,(1 - \sigma(x)))

    ``get("swish")`` returns this activation (swish with β = 1). The minimum is −W(1/e) ≈ −0.27846 at
    x = −1 − W(1/e), with W the Lambert W function.

    >>> get("swish")(1.0)
    np.float64(0.7310585786300049)
    """
    return _times_vanishing(x, special.expit(x))


def _silu_derivative(x):
    gate = special.expit(x)
    return gate + _times_vanishing(x, gate * special.expit(-x))


_register(Activation(
    name="silu", label="SiLU",
    latex=r"\mathrm{SiLU}(x) = x\, \sigma(x)",
    derivative_latex=r"\mathrm{SiLU}'(x) = \sigma(x)\,(1 + x\,(1 - \sigma(x)))",
    range=(-0.2784645427610738, math.inf), zero_centred=True, saturating="negative", monotone=False,
    smooth=True, params={}, _value=_silu, _derivative=_silu_derivative,
))


def _mish(x):
    r"""Mish, a self-gated smooth activation (Misra, 2020).

    .. math:: \mathrm{Mish}(x) = x \tanh(\mathrm{softplus}(x)), \qquad
              \mathrm{Mish}'(x) = \tanh(\mathrm{softplus}(x))
              + x\, \sigma(x) \operatorname{sech}^2(\mathrm{softplus}(x))

    The minimum is −0.30884 at x ≈ −1.19243.

    >>> get("mish")(1.0)
    np.float64(0.8650983882673103)
    """
    return _times_vanishing(x, np.tanh(_softplus(x, 1.0)))


def _mish_derivative(x):
    softplus = _softplus(x, 1.0)
    return np.tanh(softplus) + _times_vanishing(x, special.expit(x) * _sech_squared(softplus))


_register(Activation(
    name="mish", label="Mish",
    latex=r"\mathrm{Mish}(x) = x \tanh(\mathrm{softplus}(x))",
    derivative_latex=(
        r"\mathrm{Mish}'(x) = \tanh(\mathrm{softplus}(x)) + x\, \sigma(x)\, "
        r"\operatorname{sech}^2(\mathrm{softplus}(x))"
    ),
    range=(-0.30884341301725043, math.inf), zero_centred=True, saturating="negative", monotone=False,
    smooth=True, params={}, _value=_mish, _derivative=_mish_derivative,
))


# Hard and clipped variants: piecewise-linear stand-ins for the smooth functions above, cheap to
# evaluate and exact in fixed-point arithmetic (Howard et al., 2019, section 5.2).


def _inside(x, low, high):
    """1 where low < x ≤ high, else 0: the slope of a clipped linear piece, left derivative at its ends."""
    return ((x > low) & (x <= high)).astype(x.dtype)


def _relu6(x):
    r"""ReLU capped at 6 (Krizhevsky, 2010), the activation of MobileNets (Howard et al., 2017).

    .. math:: \mathrm{ReLU6}(x) = \min(\max(0, x), 6), \qquad
              \mathrm{ReLU6}'(x) = 1 \text{ if } 0 < x \le 6 \text{ else } 0

    The cap bounds the outputs, which suits low-precision arithmetic; above 6 the unit saturates exactly.

    >>> get("relu6")([-1.0, 3.0, 8.0])
    array([0., 3., 6.])
    """
    return np.clip(x, 0, 6)


def _relu6_derivative(x):
    return _inside(x, 0, 6)


_register(Activation(
    name="relu6", label="ReLU6",
    latex=r"\mathrm{ReLU6}(x) = \min(\max(0, x), 6)",
    derivative_latex=r"\mathrm{ReLU6}'(x) = 1 \text{ if } 0 < x \leq 6 \text{ else } 0",
    range=(0.0, 6.0), zero_centred=False, saturating="both", monotone=True, smooth=False,
    params={}, _value=_relu6, _derivative=_relu6_derivative, kinks=(0.0, 6.0),
))


def _hard_tanh(x):
    r"""Hard tanh: the identity clipped to [−1, 1] (Collobert et al., 2011).

    .. math:: \mathrm{HardTanh}(x) = \min(\max(x, -1), 1), \qquad
              \mathrm{HardTanh}'(x) = 1 \text{ if } -1 < x \le 1 \text{ else } 0

    Its slope is exactly 0 for |x| > 1, where tanh′ is only small.

    >>> get("hard_tanh")([-3.0, 0.5, 3.0])
    array([-1. ,  0.5,  1. ])
    """
    return np.clip(x, -1, 1)


def _hard_tanh_derivative(x):
    return _inside(x, -1, 1)


_register(Activation(
    name="hard_tanh", label="Hard tanh",
    latex=r"\mathrm{HardTanh}(x) = \min(\max(x, -1), 1)",
    derivative_latex=r"\mathrm{HardTanh}'(x) = 1 \text{ if } -1 < x \leq 1 \text{ else } 0",
    range=(-1.0, 1.0), zero_centred=True, saturating="both", monotone=True, smooth=False,
    params={}, _value=_hard_tanh, _derivative=_hard_tanh_derivative, kinks=(-1.0, 1.0),
))


def _hard_sigmoid(x):
    r"""Hard sigmoid, the piecewise-linear gate of MobileNetV3 (Howard et al., 2019).

    .. math:: \mathrm{hsigmoid}(x) = \frac{\mathrm{ReLU6}(x + 3)}{6}, \qquad
              \mathrm{hsigmoid}'(x) = \tfrac16 \text{ if } -3 < x \le 3 \text{ else } 0

    Other libraries use other slopes (Keras once used clip(0.2x + 0.5, 0, 1)); this is Howard et al.'s
    and PyTorch's.

    >>> get("hard_sigmoid")([-4.0, 0.0, 1.5])
    array([0.  , 0.5 , 0.75])
    """
    return np.clip(x + 3, 0, 6) / 6


def _hard_sigmoid_derivative(x):
    return _inside(x, -3, 3) / 6


_register(Activation(
    name="hard_sigmoid", label="Hard sigmoid",
    latex=r"\mathrm{hsigmoid}(x) = \mathrm{ReLU6}(x + 3) / 6",
    derivative_latex=r"\mathrm{hsigmoid}'(x) = 1/6 \text{ if } -3 < x \leq 3 \text{ else } 0",
    range=(0.0, 1.0), zero_centred=False, saturating="both", monotone=True, smooth=False,
    params={}, _value=_hard_sigmoid, _derivative=_hard_sigmoid_derivative, kinks=(-3.0, 3.0),
))


def _hard_swish(x):
    r"""Hard swish: SiLU with its sigmoid replaced by the hard sigmoid (Howard et al., 2019).

    .. math:: \mathrm{hswish}(x) = x\, \frac{\mathrm{ReLU6}(x + 3)}{6}, \qquad
              \mathrm{hswish}'(x) = \begin{cases} 0 & x \le -3 \\ (2x + 3)/6 & -3 < x \le 3 \\
              1 & x > 3 \end{cases}

    Continuous but not C¹: the slope jumps at −3 (from 0 to −1/2) and at 3 (from 3/2 to 1). The
    minimum is −3/8 at x = −3/2.

    >>> get("hard_swish")([-1.5, 1.0, 4.0])
    array([-0.375     ,  0.66666667,  4.        ])
    """
    return _times_vanishing(x, _hard_sigmoid(x))


def _hard_swish_derivative(x):
    return np.where(x > 3, 1.0, np.where(x > -3, (2 * x + 3) / 6, 0.0))


_register(Activation(
    name="hard_swish", label="Hard swish",
    latex=r"\mathrm{hswish}(x) = x\, \mathrm{ReLU6}(x + 3) / 6",
    derivative_latex=(
        r"\mathrm{hswish}'(x) = 0,\ \frac{2x + 3}{6},\ 1 \text{ for } x \leq -3,\ "
        r"-3 < x \leq 3,\ x > 3"
    ),
    range=(-0.375, math.inf), zero_centred=True, saturating="negative", monotone=False,
    smooth=False, params={}, _value=_hard_swish, _derivative=_hard_swish_derivative, kinks=(-3.0, 3.0),
))


def _softsign(x):
    r"""Softsign, a sigmoid-shaped unit that saturates polynomially, not exponentially.

    .. math:: \mathrm{softsign}(x) = \frac{x}{1 + |x|}, \qquad
              \mathrm{softsign}'(x) = \frac{1}{(1 + |x|)^2}

    Glorot & Bengio (2010) compared it with tanh in deep networks: its slope decays like 1/x², so a
    unit far out on the plateau still passes some gradient (softsign′(100) ≈ 1e-4, tanh′(100) = 0 in
    float64), and 1e4 is not yet at the limit ±1.

    >>> get("softsign")([-1.0, 3.0])
    array([-0.5 ,  0.75])
    """
    infinite = np.isinf(x)
    finite = np.where(infinite, 0, x)  # ±inf / (1 + inf) would be NaN
    return np.where(infinite, np.sign(x), finite / (1 + np.abs(finite)))


def _softsign_derivative(x):
    # Squaring the reciprocal cannot overflow, as squaring 1 + |x| would.
    return np.square(1 / (1 + np.abs(x)))


_register(Activation(
    name="softsign", label="Softsign",
    latex=r"\mathrm{softsign}(x) = \frac{x}{1 + |x|}",
    derivative_latex=r"\mathrm{softsign}'(x) = \frac{1}{(1 + |x|)^2}",
    range=(-1.0, 1.0), zero_centred=True, saturating="both", monotone=True, smooth=True,
    params={}, _value=_softsign, _derivative=_softsign_derivative,
))


def _minus_max(array, axis):
    """x − max x along ``axis``: softmax is unchanged and every exponent is ≤ 0.

    Where the maximum is infinite, x − m would be NaN for the entries equal to it; they get 0 instead
    and the others −∞, so those entries share the mass equally (the limit as they grow together) and
    the rest get none: softmax([inf, 0]) = [1, 0], softmax([inf, inf]) = [1/2, 1/2], and a row of
    −∞ only is uniform too. A NaN anywhere in a row makes the whole row NaN.
    """
    peak = np.max(array, axis=axis, keepdims=True, initial=-np.inf)
    infinite = np.isinf(peak)
    # x − m overflows only towards −∞ (finite x ≈ −1e308 below m ≈ 1e308), where e^{x − m} is 0 anyway.
    with np.errstate(over="ignore"):
        shifted = array - np.where(infinite, 0.0, peak)
    return np.where(infinite, np.where(array == peak, 0.0, -np.inf), shifted) if infinite.any() else shifted


def softmax(x, axis=-1):
    r"""Softmax: exponentials normalised to sum to 1 along ``axis``.

    .. math:: \mathrm{softmax}(x)_i = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}}, \qquad m = \max_j x_j

    Parameters
    ----------
    x : array_like
        Input, at least 1-D.
    axis : int
        Axis along which the entries sum to 1.

    Returns
    -------
    ndarray
        Same shape and floating dtype as ``x``. Entries equal to an infinite maximum share the mass
        equally and the others get 0 (so [inf, inf] gives [1/2, 1/2]); a row holding NaN gives NaN.

    See Also
    --------
    log_softmax, softmax_jacobian

    Examples
    --------
    >>> softmax([0.0, np.log(3.0)])
    array([0.25, 0.75])
    >>> softmax([np.inf, 0.0])
    array([1., 0.])
    """
    array, dtype = _as_float(x)
    exponentials = np.exp(_minus_max(array, axis))
    return (exponentials / exponentials.sum(axis=axis, keepdims=True)).astype(dtype, copy=False)


def log_softmax(x, axis=-1):
    r"""Logarithm of the softmax, via log-sum-exp: finite even where the softmax underflows to 0.

    .. math:: \log \mathrm{softmax}(x)_i = (x_i - m) - \ln \sum_j e^{x_j - m}, \qquad m = \max_j x_j

    Parameters
    ----------
    x : array_like
        Input, at least 1-D.
    axis : int
        Axis along which the softmax is normalised.

    Returns
    -------
    ndarray
        Same shape and floating dtype as ``x``.

    Examples
    --------
    >>> log_softmax([0.0, -1000.0])
    array([    0., -1000.])
    """
    array, dtype = _as_float(x)
    shifted = _minus_max(array, axis)
    return (shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))).astype(dtype, copy=False)


def softmax_jacobian(x):
    r"""Jacobian of the softmax of a vector, the matrix that backpropagation multiplies by.

    .. math:: J_{ij} = \frac{\partial s_i}{\partial x_j} = s_i\,(\delta_{ij} - s_j), \qquad
              J = \mathrm{diag}(s) - s s^\top, \quad s = \mathrm{softmax}(x)

    Parameters
    ----------
    x : array_like, shape (n,)
        Input vector.

    Returns
    -------
    ndarray, shape (n, n)
        Symmetric, with rows summing to 0 as the softmax always sums to 1.

    Examples
    --------
    >>> softmax_jacobian([0.0, 0.0])
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    """
    array, dtype = _as_float(x)
    if array.ndim != 1:
        raise ValueError(f"softmax_jacobian takes a 1-D vector, got shape {array.shape}")
    s = softmax(array)
    return (np.diag(s) - np.outer(s, s)).astype(dtype, copy=False)
