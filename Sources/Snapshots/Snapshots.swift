public enum Snapshots {}
