public enum LVMPlaceholder {}
