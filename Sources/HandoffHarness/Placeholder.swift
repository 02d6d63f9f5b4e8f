import HandoffEngine
import Yams
import Histogram
public enum _PlaceholderH {}
