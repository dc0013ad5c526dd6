import ECS
import Foundation
import Snapshots
import Testing

struct ECSErrorTests {
    let requestId = RequestID("473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E")!

    @Test func theBodyHasRequestIdCodeAndMessageInThatOrder() {
        let error = ECSError(.invalidDiskIdNotFound, "The specified disk does not exist.", requestId: requestId)
        #expect(error.jsonText == #"{"RequestId":"473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E","Code":"InvalidDiskId.NotFound","Message":"The specified disk does not exist."}"#)
        #expect(error.description == "InvalidDiskId.NotFound: The specified disk does not exist.")
    }

    @Test func messagesWithQuotesAndNewlinesStayOneLineOfValidJSON() throws {
        let error = ECSError(.invalidSnapshotNameMalformed, "name \"a\nb\" is bad", requestId: requestId)
        #expect(!error.jsonText.contains("\n"))
        let decoded = try JSONSerialization.jsonObject(with: Data(error.jsonText.utf8)) as? [String: String]
        #expect(decoded?["Message"] == "name \"a\nb\" is bad")
    }

    @Test(arguments: [
        (ECSError.Code.invalidDiskIdNotFound, "InvalidDiskId.NotFound"), (.invalidSnapshotIdNotFound, "InvalidSnapshotId.NotFound"),
        (.invalidSnapshotGroupIdNotFound, "InvalidSnapshotGroupId.NotFound"), (.incorrectDiskStatus, "IncorrectDiskStatus"),
        (.incorrectSnapshotStatus, "IncorrectSnapshotStatus"), (.invalidParameter, "InvalidParameter"),
        (.missingParameter, "MissingParameter"), (.quotaExceedSnapshot, "QuotaExceed.Snapshot"),
        (.invalidDiskNameMalformed, "InvalidDiskName.Malformed"), (.invalidSnapshotNameMalformed, "InvalidSnapshotName.Malformed"),
        (.invalidDescriptionMalformed, "InvalidDescription.Malformed"), (.operationConflict, "OperationConflict"),
        (.internalError, "InternalError"),
    ])
    func codesAreSpelledAsECSSpellsThem(code: ECSError.Code, spelling: String) {
        #expect(code.rawValue == spelling)
    }

    @Test func domainErrorsKeepTheirCodeAndUnknownOnesAreInternal() {
        struct Unexpected: Error {}
        #expect(ECSError(SnapshotsError(.incorrectDiskStatus, "/srv is mounted"), requestId: requestId)
            == ECSError(.incorrectDiskStatus, "/srv is mounted", requestId: requestId))
        #expect(ECSError(Unexpected(), requestId: requestId).code == .internalError)
        let other = RequestID()
        #expect(ECSError(ECSError(.operationConflict, "busy", requestId: other), requestId: requestId).requestId == requestId)
    }

    @Test func aMalformedIDIsTheNotFoundOfItsKind() throws {
        for (input, kind, code) in [("d-x", ResourceID.Kind.disk, ECSError.Code.invalidDiskIdNotFound),
                                    ("s-x", .snapshot, .invalidSnapshotIdNotFound), ("ssg-x", .snapshotGroup, .invalidSnapshotGroupIdNotFound)] {
            do {
                _ = try ResourceID(parsing: input, as: kind)
                Issue.record("\(input) parsed")
            } catch {
                #expect(ECSError(error, requestId: requestId).code == code)
            }
        }
        let failure = try #require(throws: OutputColumns.Error.self) { try OutputColumns(arguments: ["rows=A"]) }
        #expect(ECSError(failure, requestId: requestId).code == .invalidParameter)
    }

    @Test func anEncoderSeesTheSameThreeMembers() throws {
        let error = ECSError(.missingParameter, "DiskId is required", requestId: requestId)
        let data = try JSONEncoder().encode(error)
        let decoded = try JSONSerialization.jsonObject(with: data) as? [String: String]
        #expect(decoded == ["RequestId": requestId.rawValue, "Code": "MissingParameter", "Message": "DiskId is required"])
    }
}
